//! The sync cookie as slapd writes it: `rid=NNN[,sid=SSS],csn=<CSN>[;<CSN>...]`.
//! The rid is the consumer's (echoed back), the CSN the provider's state the
//! consumer has reached. A slapd consumer of a multi-provider setup sends one CSN
//! per server id; this server's writes carry sid 000, so that CSN is the one read
//! (or, when none carries it, the newest).

/// A consumer's cookie, as far as the provider reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cookie {
    /// The consumer's replica id, echoed in every cookie sent back.
    pub rid: Option<String>,
    /// The consumer's state: the newest CSN it has.
    pub csn: Option<String>,
}

/// The server id this provider's CSNs carry.
const OWN_SID: &str = "000";

impl Cookie {
    /// Read a cookie; unknown fields are ignored, an unreadable one is empty (the
    /// consumer then gets a full refresh, as slapd gives it).
    pub fn parse(bytes: &[u8]) -> Cookie {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Cookie::default();
        };
        let mut cookie = Cookie::default();
        for field in text.split(',') {
            let Some((key, value)) = field.split_once('=') else {
                continue;
            };
            match key.trim() {
                "rid" => cookie.rid = Some(value.trim().to_string()),
                "csn" => cookie.csn = pick_csn(value),
                _ => {}
            }
        }
        cookie
    }

    /// The cookie that tells this consumer it has reached `csn`.
    pub fn format(&self, csn: &str) -> Vec<u8> {
        match &self.rid {
            Some(rid) => format!("rid={rid},csn={csn}").into_bytes(),
            None => format!("csn={csn}").into_bytes(),
        }
    }
}

/// The CSN of our server id among `list` (`;`-separated), else the newest.
fn pick_csn(list: &str) -> Option<String> {
    let csns: Vec<&str> = list
        .split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let own = csns.iter().find(|c| c.split('#').nth(2) == Some(OWN_SID));
    own.or_else(|| csns.iter().max()).map(|c| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slapd_cookies_read_and_echo_the_rid() {
        let c = Cookie::parse(b"rid=001,csn=20260101000000.000001Z#000002#000#000000");
        assert_eq!(c.rid.as_deref(), Some("001"));
        assert_eq!(
            c.csn.as_deref(),
            Some("20260101000000.000001Z#000002#000#000000")
        );
        assert_eq!(c.format("X"), b"rid=001,csn=X".to_vec());
    }

    #[test]
    fn multi_provider_cookies_pick_our_sid() {
        let c = Cookie::parse(
            b"rid=002,sid=001,csn=20270101000000.000000Z#000000#001#000000;20260101000000.000000Z#000000#000#000000",
        );
        assert_eq!(
            c.csn.as_deref(),
            Some("20260101000000.000000Z#000000#000#000000")
        );
        let c = Cookie::parse(b"rid=002,csn=20250101000000.000000Z#000000#001#000000;20260101000000.000000Z#000000#002#000000");
        assert_eq!(
            c.csn.as_deref(),
            Some("20260101000000.000000Z#000000#002#000000")
        );
    }

    #[test]
    fn garbage_is_an_empty_cookie() {
        assert_eq!(Cookie::parse(b"\xff\xfe"), Cookie::default());
        assert_eq!(Cookie::parse(b"rid=003").csn, None);
    }
}
