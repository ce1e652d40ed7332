//! The RFC 4511 (and RFC 4528) names of LDAP result codes, for the `result` label:
//! dashboards read `invalidCredentials` more easily than 49.

/// Every result code RFC 4511 section 4.1.9 names, with assertionFailed (RFC 4528).
const NAMES: [(usize, &str); 41] = [
    (0, "success"),
    (1, "operationsError"),
    (2, "protocolError"),
    (3, "timeLimitExceeded"),
    (4, "sizeLimitExceeded"),
    (5, "compareFalse"),
    (6, "compareTrue"),
    (7, "authMethodNotSupported"),
    (8, "strongerAuthRequired"),
    (10, "referral"),
    (11, "adminLimitExceeded"),
    (12, "unavailableCriticalExtension"),
    (13, "confidentialityRequired"),
    (14, "saslBindInProgress"),
    (16, "noSuchAttribute"),
    (17, "undefinedAttributeType"),
    (18, "inappropriateMatching"),
    (19, "constraintViolation"),
    (20, "attributeOrValueExists"),
    (21, "invalidAttributeSyntax"),
    (32, "noSuchObject"),
    (33, "aliasProblem"),
    (34, "invalidDNSyntax"),
    (36, "aliasDereferencingProblem"),
    (48, "inappropriateAuthentication"),
    (49, "invalidCredentials"),
    (50, "insufficientAccessRights"),
    (51, "busy"),
    (52, "unavailable"),
    (53, "unwillingToPerform"),
    (54, "loopDetect"),
    (64, "namingViolation"),
    (65, "objectClassViolation"),
    (66, "notAllowedOnNonLeaf"),
    (67, "notAllowedOnRDN"),
    (68, "entryAlreadyExists"),
    (69, "objectClassModsProhibited"),
    (71, "affectsMultipleDSAs"),
    (80, "other"),
    (118, "canceled"),
    (122, "assertionFailed"),
];

/// The name of result code `code` ("unknown" for one no RFC here names).
pub fn name(code: usize) -> &'static str {
    NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("unknown", |(_, n)| n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_code_the_server_sends_is_named() {
        use crate::error::ResultCode;
        assert_eq!(
            super::name(ResultCode::InvalidCredentials.as_i32() as usize),
            "invalidCredentials"
        );
        assert_eq!(
            super::name(ResultCode::AssertionFailed.as_i32() as usize),
            "assertionFailed"
        );
        assert_eq!(super::name(9), "unknown");
    }
}
