//! Transport security end to end: a CA and server certificates made at test time with
//! the openssl CLI, ldaps:// and StartTLS with ldap-utils, the plaintext-bind policy by
//! source network (a raw client on 127.0.0.2), SIGHUP certificate reload, and ldapi://.
//!
//! A missing tool (openssl, ldap-utils) fails the test: CI installs them.

mod common;
use common::*;

use futures::{SinkExt, StreamExt};
use ldap3_proto::proto::{
    LdapBindCred, LdapBindRequest, LdapExtendedRequest, LdapMsg, LdapOp, LdapPasswordModifyRequest,
    LdapResultCode,
};
use ldap3_proto::LdapCodec;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::Framed;

const USER: &str = "user1@domain1.example";
const USER_PW: &str = "user1";

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl ({e}): install openssl"));
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// openssl req arguments for a new P-256 key, unencrypted, written to `keyout`.
fn new_ec_key(keyout: &str) -> [&str; 7] {
    [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        keyout,
    ]
}

/// A self-signed CA `<name>.pem` / `<name>.key` in `dir`.
fn make_ca(dir: &Path, name: &str) -> PathBuf {
    let key = format!("{name}.key");
    openssl(
        dir,
        &[
            &["req", "-x509"][..],
            &new_ec_key(&key),
            &[
                "-out",
                &format!("{name}.pem"),
                "-days",
                "2",
                "-subj",
                &format!("/CN={name}"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        ]
        .concat(),
    );
    dir.join(format!("{name}.pem"))
}

/// A server certificate for 127.0.0.1 and localhost with common name `cn`, signed by
/// the CA `ca`, written to `<out>.pem` / `<out>.key`.
fn make_server_cert(dir: &Path, ca: &str, cn: &str, serial: u32, out: &str) {
    let (key, csr, subject) = (
        format!("{out}.key"),
        format!("{out}.csr"),
        format!("/CN={cn}"),
    );
    openssl(
        dir,
        &[
            &["req", "-new"][..],
            &new_ec_key(&key),
            &["-out", &csr, "-subj", &subject],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write ext file");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{out}.csr"),
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-set_serial",
            &serial.to_string(),
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            &format!("{out}.pem"),
        ],
    );
}

/// A server with the demo tree, `[tls]` from `cert.pem`/`key.pem` in its directory
/// (signed by `ca1`), listening on ldap://, ldaps:// and an ldapi:// socket.
struct TlsServer {
    server: Server,
    ldaps: String,
    ldapi: String,
}

impl TlsServer {
    fn start(extra: &str) -> TlsServer {
        let dir = tempfile::tempdir().expect("tempdir");
        make_ca(dir.path(), "ca1");
        make_server_cert(dir.path(), "ca1", "first", 1, "cert");
        let ldaps = format!("ldaps://127.0.0.1:{}", free_port());
        let sock = dir.path().join("ldapi.sock");
        let ldapi = format!("ldapi://{}", sock.display().to_string().replace('/', "%2F"));
        let config = format!(
            "{extra}\n[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
            dir.path().join("cert.pem").display(),
            dir.path().join("cert.key").display()
        );
        let server = Server::start_in(dir, &[ldaps.clone(), ldapi.clone()], &config, true);
        TlsServer {
            server,
            ldaps,
            ldapi,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.server.dir.path().join(name)
    }

    /// Run an ldap-utils tool against `uri`, trusting only the CA file `ca`.
    fn tool(&self, tool: &str, uri: &str, ca: &str, args: &[&str]) -> ToolResult {
        let home = self.server.dir.path();
        let out = Command::new(tool)
            .arg("-H")
            .arg(uri)
            .args(args)
            // Not LDAPNOINIT: it would also ignore LDAPTLS_CACERT. A private HOME and
            // working directory keep ~/.ldaprc and ./ldaprc out instead.
            .env("HOME", home)
            .current_dir(home)
            .env("LDAPTLS_CACERT", self.path(ca))
            .env("LDAPTLS_REQCERT", "demand")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): install ldap-utils"));
        ToolResult::from_output(&out)
    }

    fn whoami(&self, uri: &str, ca: &str, extra: &[&str]) -> ToolResult {
        let dn = mail_dn(USER);
        let mut args = vec!["-x", "-D", &dn, "-w", USER_PW];
        args.extend_from_slice(extra);
        self.tool("ldapwhoami", uri, ca, &args)
    }

    fn hup(&self) {
        let pid = self.server.pid().expect("server running").to_string();
        let st = Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .expect("kill");
        assert!(st.success());
    }
}

#[test]
fn starttls_and_ldaps_with_a_ca_made_at_test_time() {
    let t = TlsServer::start("");
    make_ca(t.server.dir.path(), "other");
    let uri = t.server.uri.clone();
    let filter = format!("(mail={USER})");
    let search = ["-x", "-LLL", "-b", HOSTING, filter.as_str(), "mail"];

    // StartTLS (-ZZ: fail unless TLS is established).
    let mut zz = vec!["-ZZ"];
    zz.extend_from_slice(&search);
    let r = t.tool("ldapsearch", &uri, "ca1.pem", &zz);
    r.ok();
    assert_eq!(values(&r.stdout, "mail"), vec![USER]);
    // ldaps://
    let r = t.tool("ldapsearch", &t.ldaps, "ca1.pem", &search);
    r.ok();
    assert_eq!(values(&r.stdout, "mail"), vec![USER]);
    // A password bind over both.
    let me = format!("dn:{}", mail_dn(USER));
    assert_eq!(t.whoami(&uri, "ca1.pem", &["-ZZ"]).ok().stdout.trim(), me);
    assert_eq!(t.whoami(&t.ldaps, "ca1.pem", &[]).ok().stdout.trim(), me);
    // The client really checks the certificate: a CA that did not sign it fails.
    assert_ne!(t.tool("ldapsearch", &t.ldaps, "other.pem", &search).code, 0);
    assert_ne!(t.tool("ldapsearch", &uri, "other.pem", &zz).code, 0);
    // The ldaps:// port speaks TLS from the first byte: plain LDAP (with StartTLS) fails.
    let r = t.tool(
        "ldapsearch",
        &t.ldaps.replace("ldaps://", "ldap://"),
        "ca1.pem",
        &zz,
    );
    assert_ne!(r.code, 0, "plain LDAP on the ldaps port must not work");
    assert!(t.server.log().contains("TLS established"));
}

#[test]
fn sighup_reloads_the_certificate_and_a_bad_one_keeps_the_old() {
    let mut t = TlsServer::start("");
    let dir = t.server.dir.path().to_path_buf();
    t.whoami(&t.ldaps, "ca1.pem", &[]).ok();

    // A new certificate from another CA, with another name and serial.
    make_ca(&dir, "ca2");
    make_server_cert(&dir, "ca2", "second", 2, "new");
    std::fs::copy(dir.join("new.pem"), dir.join("cert.pem")).expect("copy cert");
    std::fs::copy(dir.join("new.key"), dir.join("cert.key")).expect("copy key");
    t.hup();
    t.server.wait_log("TLS certificate reloaded", 1);
    t.whoami(&t.ldaps, "ca2.pem", &[]).ok();
    t.whoami(&t.server.uri, "ca2.pem", &["-ZZ"]).ok();
    assert_ne!(t.whoami(&t.ldaps, "ca1.pem", &[]).code, 0);
    let port = t.ldaps.rsplit(':').next().expect("port").to_string();
    let s_client = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-showcerts",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl s_client");
    let shown = String::from_utf8_lossy(&s_client.stdout);
    assert!(shown.contains("CN = second"), "{shown}");
    assert!(!shown.contains("CN = first"), "{shown}");

    // A broken certificate file: the reload fails and the old certificate stays.
    std::fs::write(dir.join("cert.pem"), "not a certificate\n").expect("write");
    t.hup();
    t.server.wait_log("TLS reload failed", 1);
    t.whoami(&t.ldaps, "ca2.pem", &[]).ok();
    t.whoami(&t.server.uri, "ca2.pem", &["-ZZ"]).ok();
    assert!(t.server.alive());
}

#[test]
fn tls_required_everywhere_but_ldapi_works_without_it() {
    let t = TlsServer::start("plaintext_bind_networks = []");
    let uri = t.server.uri.clone();
    // A password over plain ldap:// from 127.0.0.1: confidentialityRequired (13).
    t.whoami(&uri, "ca1.pem", &[]).expect_code(13);
    // Anonymous still works without TLS (Postfix's lookups).
    t.tool(
        "ldapsearch",
        &uri,
        "ca1.pem",
        &[
            "-x",
            "-LLL",
            "-b",
            HOSTING,
            "(mail=user1@domain1.example)",
            "mail",
        ],
    )
    .ok();
    // The same bind after StartTLS, over ldaps://, and over ldapi:// without TLS.
    t.whoami(&uri, "ca1.pem", &["-ZZ"]).ok();
    t.whoami(&t.ldaps, "ca1.pem", &[]).ok();
    let r = t.whoami(&t.ldapi, "ca1.pem", &[]);
    r.ok();
    assert_eq!(r.stdout.trim(), format!("dn:{}", mail_dn(USER)));
    // ldappasswd over plain ldap:// is refused too, over ldapi:// it works.
    let dn = mail_dn(USER);
    let pw_args = ["-x", "-D", &dn, "-w", USER_PW, "-s", "changed-pw"];
    t.tool("ldappasswd", &uri, "ca1.pem", &pw_args)
        .expect_code(13);
    t.tool("ldappasswd", &t.ldapi, "ca1.pem", &pw_args).ok();
    t.tool(
        "ldapwhoami",
        &t.ldapi,
        "ca1.pem",
        &["-x", "-D", &dn, "-w", "changed-pw"],
    )
    .ok();
}

// ---- a raw client on a second loopback address ----

type Conn<S> = Framed<S, LdapCodec>;

async fn call<S: AsyncRead + AsyncWrite + Unpin>(
    c: &mut Conn<S>,
    id: i32,
    op: LdapOp,
) -> LdapResultCode {
    c.send(LdapMsg::new(id, op)).await.expect("send");
    let reply = c.next().await.expect("a reply").expect("a valid reply");
    assert_eq!(reply.msgid, id);
    match reply.op {
        LdapOp::BindResponse(r) => r.res.code,
        LdapOp::ExtendedResponse(r) => r.res.code,
        other => panic!("unexpected reply {other:?}"),
    }
}

fn bind(dn: &str, pw: &str) -> LdapOp {
    LdapOp::BindRequest(LdapBindRequest {
        version: 3,
        dn: dn.to_string(),
        cred: LdapBindCred::Simple(pw.to_string()),
    })
}

fn tls_connector(ca: &Path) -> tokio_rustls::TlsConnector {
    let pem = std::fs::read(ca).expect("CA file");
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.expect("CA PEM")).expect("CA certificate");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_binds_from_an_untrusted_network_need_tls() {
    let t = tokio::task::spawn_blocking(|| {
        TlsServer::start("plaintext_bind_networks = [\"127.0.0.1/32\"]")
    })
    .await
    .expect("start");
    let user = mail_dn(USER);
    // 127.0.0.1 is trusted: a plain password bind works there.
    let t = tokio::task::spawn_blocking(move || {
        t.whoami(&t.server.uri, "ca1.pem", &[]).ok();
        t
    })
    .await
    .expect("whoami");

    let server: std::net::SocketAddr = format!("127.0.0.1:{}", t.server.port)
        .parse()
        .expect("addr");
    let sock = tokio::net::TcpSocket::new_v4().expect("socket");
    sock.bind("127.0.0.2:0".parse().expect("addr"))
        .expect("bind 127.0.0.2");
    let tcp = sock.connect(server).await.expect("connect from 127.0.0.2");
    let mut c = Framed::new(tcp, LdapCodec::default());

    // Anonymous binds need no TLS.
    assert_eq!(call(&mut c, 1, bind("", "")).await, LdapResultCode::Success);
    // A password in clear from outside the trusted networks: refused, 13.
    assert_eq!(
        call(&mut c, 2, bind(&user, USER_PW)).await,
        LdapResultCode::ConfidentialityRequired
    );
    // So is a wrong one (the policy is checked before the password).
    assert_eq!(
        call(&mut c, 3, bind(&user, "wrong")).await,
        LdapResultCode::ConfidentialityRequired
    );
    // And Password Modify.
    let pm: LdapExtendedRequest = LdapPasswordModifyRequest {
        user_identity: Some(user.clone()),
        old_password: Some(USER_PW.into()),
        new_password: Some("new-secret".into()),
    }
    .into();
    assert_eq!(
        call(&mut c, 4, LdapOp::ExtendedRequest(pm)).await,
        LdapResultCode::ConfidentialityRequired
    );
    // StartTLS on the same connection, then the same bind succeeds.
    let starttls = LdapOp::ExtendedRequest(LdapExtendedRequest {
        name: "1.3.6.1.4.1.1466.20037".into(),
        value: None,
    });
    assert_eq!(call(&mut c, 5, starttls).await, LdapResultCode::Success);
    let tcp = c.into_parts().io;
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
    let tls = tls_connector(&t.path("ca1.pem"))
        .connect(name, tcp)
        .await
        .expect("TLS handshake after StartTLS");
    let mut c = Framed::new(tls, LdapCodec::default());
    assert_eq!(
        call(&mut c, 6, bind(&user, "wrong")).await,
        LdapResultCode::InvalidCredentials
    );
    assert_eq!(
        call(&mut c, 7, bind(&user, USER_PW)).await,
        LdapResultCode::Success
    );
    let log = t.server.log();
    assert!(log.contains("IP=127.0.0.2"), "{log}");
}
