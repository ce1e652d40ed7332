//! The RFC 4514 string form slapd stores and returns for DN-valued attributes
//! (member, roleOccupant, seeAlso ...): `,` between RDNs with no spaces, the AVAs of a
//! multi-valued RDN in a fixed order, and the characters RFC 4514 2.4 names escaped
//! as `\XX`.

use super::{Dn, Rdn};

/// Escape a value as slapd's pretty form does: `"+,;<>\=` and NUL as `\XX` hex
/// pairs, a leading `#` and a leading or trailing space likewise.
fn escape_pretty(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\' | '=' | '\0')
            || (c == '#' && i == 0)
            || (c == ' ' && (i == 0 || i == last));
        if special {
            out.push_str(&format!("\\{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

impl Rdn {
    /// The pretty form of this RDN: AVAs as `type=value`, sorted by type (compared
    /// case-insensitively) and then value, joined by `+`.
    pub fn pretty(&self) -> String {
        let mut avas: Vec<(String, String)> = self
            .avas
            .iter()
            .map(|a| {
                (
                    a.attr.to_ascii_lowercase(),
                    format!("{}={}", a.attr, escape_pretty(&a.value)),
                )
            })
            .collect();
        avas.sort();
        avas.into_iter()
            .map(|(_, text)| text)
            .collect::<Vec<_>>()
            .join("+")
    }
}

impl Dn {
    /// The pretty form of this DN. Types stay as the AVAs spell them: the schema layer
    /// gives them their schema names first (`CN`, `commonName` and `2.5.4.3` -> `cn`).
    pub fn pretty(&self) -> String {
        self.rdns
            .iter()
            .map(Rdn::pretty)
            .collect::<Vec<_>>()
            .join(",")
    }
}
