//! RFC 4533 between the wire and src/sync's types: the Sync Request control
//! decoded with ldap3_proto's decoder, Sync State / Sync Done and Sync Info encoded.

use super::codec::RawControl;
use crate::sync::{SyncControl, SyncInfo, SyncMode, SyncRequest, SyncState};
use ldap3_proto::control::LdapControl;
use ldap3_proto::proto::{LdapIntermediateResponse, SyncRequestMode, SyncStateValue};
use uuid::Uuid;

/// RFC 4533 Sync Request control.
pub const OID_SYNC_REQUEST: &str = "1.3.6.1.4.1.4203.1.9.1.1";

/// The Sync Request control's value.
pub fn sync_request(raw: &RawControl) -> Result<SyncRequest, &'static str> {
    match LdapControl::try_from(raw.tag.clone()) {
        Ok(LdapControl::SyncRequest {
            mode,
            cookie,
            reload_hint,
            ..
        }) => Ok(SyncRequest {
            mode: match mode {
                SyncRequestMode::RefreshOnly => SyncMode::RefreshOnly,
                SyncRequestMode::RefreshAndPersist => SyncMode::RefreshAndPersist,
            },
            cookie,
            reload_hint,
        }),
        _ => Err("bad sync request value"),
    }
}

/// The codec's control for a Sync State or Sync Done control.
pub fn sync_control(control: SyncControl) -> LdapControl {
    match control {
        SyncControl::State {
            state,
            uuid,
            cookie,
        } => LdapControl::SyncState {
            state: match state {
                SyncState::Present => SyncStateValue::Present,
                SyncState::Add => SyncStateValue::Add,
                SyncState::Modify => SyncStateValue::Modify,
                SyncState::Delete => SyncStateValue::Delete,
            },
            entry_uuid: Uuid::from_bytes(uuid),
            cookie,
        },
        SyncControl::Done {
            cookie,
            refresh_deletes,
        } => LdapControl::SyncDone {
            cookie,
            refresh_deletes,
        },
    }
}

/// The codec's intermediate response for a Sync Info message.
pub fn sync_info(info: SyncInfo) -> LdapIntermediateResponse {
    match info {
        SyncInfo::RefreshDelete { cookie, done } => {
            LdapIntermediateResponse::SyncInfoRefreshDelete { cookie, done }
        }
        SyncInfo::RefreshPresent { cookie, done } => {
            LdapIntermediateResponse::SyncInfoRefreshPresent { cookie, done }
        }
        SyncInfo::IdSet {
            cookie,
            refresh_deletes,
            uuids,
        } => LdapIntermediateResponse::SyncInfoIdSet {
            cookie,
            refresh_deletes,
            syncuuids: uuids.into_iter().map(Uuid::from_bytes).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::wire::codec::{Codec, Incoming};
    use ldap3_proto::proto::{LdapMsg, LdapOp};
    use tokio_util::bytes::BytesMut;
    use tokio_util::codec::{Decoder, Encoder};

    #[test]
    fn a_sync_request_decodes_with_its_cookie() {
        let mut codec = Codec::new(1 << 20, 32);
        let mut buf = BytesMut::new();
        let ctrl = LdapControl::SyncRequest {
            criticality: true,
            mode: SyncRequestMode::RefreshAndPersist,
            cookie: Some(b"rid=001,csn=x".to_vec()),
            reload_hint: false,
        };
        let msg = LdapMsg::new_with_ctrls(3, LdapOp::DelRequest("cn=x".into()), vec![ctrl]);
        codec.encode(msg, &mut buf).unwrap();
        let Some(Incoming::Message { controls, .. }) = codec.decode(&mut buf).unwrap() else {
            panic!("a delete with a control read as a plain request");
        };
        let req = sync_request(&controls[0]).unwrap();
        assert_eq!(req.mode, SyncMode::RefreshAndPersist);
        assert_eq!(req.cookie.as_deref(), Some(&b"rid=001,csn=x"[..]));
        assert!(controls[0].critical);
    }
}
