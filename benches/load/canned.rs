//! The floor: a server built on the codec mailldap uses (ldap3_proto over tokio) that
//! decodes every request and writes a fixed answer, with no directory behind it. What
//! it carries on a core is what the protocol and the runtime leave for a real server.

use futures::{SinkExt, StreamExt};
use ldap3_proto::proto::{
    LdapBindResponse, LdapExtendedResponse, LdapMsg, LdapOp, LdapPartialAttribute, LdapResult,
    LdapResultCode, LdapSearchResultEntry,
};
use ldap3_proto::LdapCodec;
use std::io;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

fn result(code: LdapResultCode) -> LdapResult {
    LdapResult {
        code,
        matcheddn: String::new(),
        message: String::new(),
        referral: Vec::new(),
    }
}

/// The one entry every search returns.
fn fixed_entry() -> LdapSearchResultEntry {
    let attr = |name: &str, value: &str| LdapPartialAttribute {
        atype: name.into(),
        vals: vec![value.as_bytes().to_vec()],
    };
    LdapSearchResultEntry {
        dn: "mail=user0@d0000.example,o=d0000.example,o=hosting,dc=myhosting,dc=example".into(),
        attributes: vec![
            attr("maildrop", "user0@d0000.example"),
            attr("mailbox", "d0000.example/user0/"),
        ],
    }
}

/// The answers to one request (none for unbind and abandon).
fn answer(msg: LdapMsg, entry: &LdapSearchResultEntry) -> Vec<LdapMsg> {
    let id = msg.msgid;
    let one = |op| vec![LdapMsg::new(id, op)];
    let ok = || result(LdapResultCode::Success);
    match msg.op {
        LdapOp::BindRequest(_) => one(LdapOp::BindResponse(LdapBindResponse {
            res: ok(),
            saslcreds: None,
        })),
        LdapOp::SearchRequest(_) => vec![
            LdapMsg::new(id, LdapOp::SearchResultEntry(entry.clone())),
            LdapMsg::new(id, LdapOp::SearchResultDone(ok())),
        ],
        LdapOp::ModifyRequest(_) => one(LdapOp::ModifyResponse(ok())),
        LdapOp::AddRequest(_) => one(LdapOp::AddResponse(ok())),
        LdapOp::DelRequest(_) => one(LdapOp::DelResponse(ok())),
        LdapOp::ModifyDNRequest(_) => one(LdapOp::ModifyDNResponse(ok())),
        LdapOp::CompareRequest(_) => {
            one(LdapOp::CompareResult(result(LdapResultCode::CompareTrue)))
        }
        LdapOp::ExtendedRequest(_) => one(LdapOp::ExtendedResponse(LdapExtendedResponse {
            res: ok(),
            name: None,
            value: None,
        })),
        _ => Vec::new(),
    }
}

async fn serve_connection(stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut framed = Framed::new(stream, LdapCodec::default());
    let entry = fixed_entry();
    while let Some(msg) = framed.next().await {
        let msg = msg?;
        if matches!(msg.op, LdapOp::UnbindRequest) {
            break;
        }
        for reply in answer(msg, &entry) {
            framed.feed(reply).await?;
        }
        framed.flush().await?;
    }
    Ok(())
}

/// Serves on `listen` until killed; prints the address once it is bound.
pub async fn serve(listen: &str) -> io::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    println!("canned server listening on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            // A client that drops its connection mid-request is not the floor's concern.
            let _ = serve_connection(stream).await;
        });
    }
}
