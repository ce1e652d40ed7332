//! objectIdentifierFirstComponentMatch (RFC 4517 4.2.26) over the RFC 4512
//! descriptions cn=Subschema publishes: the assertion is an OID or a descriptor,
//! and a descriptor stands for the OID of the element it names. Each description
//! carries its own NAMEs, so `(objectClasses=top)` and `(objectClasses=2.5.6.0)`
//! both find `( 2.5.6.0 NAME 'top' ... )` without asking the schema.

/// The words of a description: parentheses, quoted strings (quotes kept) and bare words.
fn tokens(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b if b.is_ascii_whitespace() => i += 1,
            b'(' | b')' => {
                out.push(&text[i..i + 1]);
                i += 1;
            }
            b'\'' => {
                // RFC 4512 qdstring escapes a quote as \27, so the next quote ends it.
                let end = text[i + 1..].find('\'').map_or(bytes.len(), |j| i + 2 + j);
                out.push(&text[i..end]);
                i = end;
            }
            _ => {
                let start = i;
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !matches!(bytes[i], b'(' | b')' | b'\'')
                {
                    i += 1;
                }
                out.push(&text[start..i]);
            }
        }
    }
    out
}

/// The OID a description starts with and the NAMEs it gives (unquoted).
fn oid_and_names(text: &str) -> Option<(&str, Vec<&str>)> {
    let words = tokens(text);
    if words.first() != Some(&"(") {
        return None;
    }
    let oid = *words.get(1)?;
    let mut names = Vec::new();
    if let Some(at) = words.iter().position(|w| w.eq_ignore_ascii_case("NAME")) {
        let rest = &words[at + 1..];
        let list: &[&str] = match rest.first() {
            Some(&"(") => {
                let end = rest.iter().position(|w| *w == ")").unwrap_or(rest.len());
                &rest[1..end]
            }
            Some(_) => &rest[..1],
            None => &[],
        };
        names.extend(
            list.iter()
                .filter_map(|w| w.strip_prefix('\'').and_then(|w| w.strip_suffix('\''))),
        );
    }
    Some((oid, names))
}

/// Whether the description `value` is the element `assertion` names: its OID, or
/// one of its NAMEs (case-insensitively). Values that are no description match nothing.
pub fn first_component_matches(value: &[u8], assertion: &[u8]) -> bool {
    let (Ok(value), Ok(asserted)) = (std::str::from_utf8(value), std::str::from_utf8(assertion))
    else {
        return false;
    };
    let asserted = asserted.trim();
    let Some((oid, names)) = oid_and_names(value) else {
        return false;
    };
    oid == asserted || names.iter().any(|n| n.eq_ignore_ascii_case(asserted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_by_oid_or_any_name() {
        let top = b"( 2.5.6.0 NAME 'top' DESC 'RFC 4512: top of the superclass chain' ABSTRACT MUST objectClass )";
        assert!(first_component_matches(top, b"top"));
        assert!(first_component_matches(top, b"TOP"));
        assert!(first_component_matches(top, b"2.5.6.0"));
        assert!(!first_component_matches(top, b"2.5.6"));
        assert!(!first_component_matches(top, b"objectClass"));
        // a word of the DESC is no name
        assert!(!first_component_matches(top, b"superclass"));
        let cn = b"( 2.5.4.3 NAME ( 'cn' 'commonName' ) DESC 'RFC4519: common name(s)' SUP name )";
        assert!(first_component_matches(cn, b"commonName"));
        assert!(first_component_matches(cn, b"cn"));
        assert!(!first_component_matches(cn, b"name"));
        let syntax = b"( 1.3.6.1.4.1.1466.115.121.1.15 DESC 'Directory String' )";
        assert!(first_component_matches(
            syntax,
            b"1.3.6.1.4.1.1466.115.121.1.15"
        ));
        assert!(!first_component_matches(syntax, b"Directory"));
        assert!(!first_component_matches(b"not a description", b"not"));
    }
}
