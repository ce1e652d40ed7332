//! Simple paged results (RFC 2696). The first page lists the whole result set as
//! DNs (sorted when asked, cut at the size limit, so paging never returns more than
//! one search may) and keeps what is left in the connection's [`PagedSearches`]
//! under a fresh random cookie; each further page takes the next DNs and builds their
//! entries anew, so access and the filter are checked again. A cookie only names
//! state this connection holds for this identity and this very search: it is never a
//! position a client could edit to skip entries or limits.

use super::request::{PagedResults, ResponseControl, SearchEntry};
use super::sort::SortOrder;
use crate::dn::Dn;
use crate::error::{LdapError, ResultCode};
use crate::view::{DirectoryView, SearchQuery};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};

/// Paged searches one connection may keep open at once; the oldest goes first.
const KEPT_PER_CONNECTION: usize = 8;

/// The paged searches a connection has open, by cookie. Shared by the clones of
/// one connection's session; dropped with the connection.
#[derive(Clone, Default)]
pub struct PagedSearches {
    inner: Arc<Mutex<Open>>,
}

#[derive(Default)]
struct Open {
    by_cookie: HashMap<Vec<u8>, Remaining>,
    opened: u64,
}

/// Where one paged search stands.
struct Remaining {
    /// The identity and request the search belongs to.
    fingerprint: String,
    /// The DNs still to send, in order.
    dns: VecDeque<Dn>,
    /// Entries in the whole result set.
    total: usize,
    /// More entries matched than the size limit allowed.
    exceeded: bool,
    /// When it was opened, for eviction.
    opened: u64,
}

impl fmt::Debug for PagedSearches {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let open = self.lock().by_cookie.len();
        write!(f, "PagedSearches({open} open)")
    }
}

impl PagedSearches {
    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        // Each change is one map operation, so a panicked holder leaves it whole.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keep `rest` under a new cookie, evicting the oldest search past the limit.
    fn keep(&self, mut rest: Remaining) -> Vec<u8> {
        let cookie = rand::random::<[u8; 16]>().to_vec();
        let mut open = self.lock();
        open.opened += 1;
        rest.opened = open.opened;
        if open.by_cookie.len() >= KEPT_PER_CONNECTION {
            let oldest = open
                .by_cookie
                .iter()
                .min_by_key(|(_, r)| r.opened)
                .map(|(c, _)| c.clone());
            if let Some(c) = oldest {
                open.by_cookie.remove(&c);
            }
        }
        open.by_cookie.insert(cookie.clone(), rest);
        cookie
    }

    /// Take the search `cookie` names, if it is this `fingerprint`'s.
    fn take(&self, cookie: &[u8], fingerprint: &str) -> Result<Remaining, LdapError> {
        let mut open = self.lock();
        match open.by_cookie.remove(cookie) {
            Some(rest) if rest.fingerprint == fingerprint => Ok(rest),
            Some(rest) => {
                // Another search's cookie: leave that search as it was.
                open.by_cookie.insert(cookie.to_vec(), rest);
                Err(invalid_cookie())
            }
            None => Err(invalid_cookie()),
        }
    }
}

fn invalid_cookie() -> LdapError {
    LdapError::new(
        ResultCode::UnwillingToPerform,
        "paged results cookie is invalid or old",
    )
}

/// One page of a paged search.
pub struct PageRequest<'a, 's> {
    /// The client's page size and cookie.
    pub paged: &'a PagedResults,
    /// The identity and request, which a cookie must belong to.
    pub fingerprint: String,
    /// The sort order, when the search is sorted too.
    pub order: Option<&'a SortOrder<'s>>,
}

/// Serve one page to `emit`; the outcome and the paged results response control.
pub fn page(
    view: &DirectoryView<'_>,
    searches: &PagedSearches,
    query: &SearchQuery<'_>,
    req: PageRequest<'_, '_>,
    emit: &mut dyn FnMut(SearchEntry) -> bool,
) -> (Result<(), LdapError>, ResponseControl) {
    let done = |total: usize| ResponseControl::PagedResults {
        size: total as i64,
        cookie: Vec::new(),
    };
    let first = req.paged.cookie.is_empty();
    let rest = if first {
        if req.paged.size <= 0 {
            return (Ok(()), done(0));
        }
        list_all(view, query, req.order).map(|(dns, exceeded)| Remaining {
            fingerprint: req.fingerprint,
            total: dns.len(),
            dns,
            exceeded,
            opened: 0,
        })
    } else {
        searches.take(&req.paged.cookie, &req.fingerprint)
    };
    let mut rest = match rest {
        Ok(rest) => rest,
        Err(e) => return (Err(e), done(0)),
    };
    // RFC 2696: a page size of 0 abandons the paged search; its state is gone now.
    if req.paged.size <= 0 {
        return (Ok(()), done(rest.total));
    }
    if !first {
        if let Err(e) = view.check_base(query.base) {
            return (Err(e), done(0));
        }
    }
    let wanted = usize::try_from(req.paged.size).unwrap_or(usize::MAX);
    let mut sent = 0usize;
    while sent < wanted {
        let Some(dn) = rest.dns.pop_front() else {
            break;
        };
        match view.result_entry(&dn, query) {
            Ok(Some(entry)) => {
                if !emit(entry) {
                    return (Ok(()), done(rest.total));
                }
                sent += 1;
            }
            Ok(None) => {}
            Err(e) => return (Err(e), done(rest.total)),
        }
    }
    let total = rest.total;
    if rest.dns.is_empty() {
        let outcome = match rest.exceeded {
            true => Err(LdapError::size_limit_exceeded()),
            false => Ok(()),
        };
        return (outcome, done(total));
    }
    let cookie = searches.keep(rest);
    let control = ResponseControl::PagedResults {
        size: total as i64,
        cookie,
    };
    (Ok(()), control)
}

/// Every DN the search returns, in order, within the size limit; and whether more
/// matched than that.
fn list_all(
    view: &DirectoryView<'_>,
    query: &SearchQuery<'_>,
    order: Option<&SortOrder<'_>>,
) -> Result<(VecDeque<Dn>, bool), LdapError> {
    if let Some(order) = order {
        let (dns, exceeded) = super::sort::ranked(view, query, order)?;
        return Ok((dns.into(), exceeded));
    }
    let limit = view.size_limit(query);
    let mut dns = VecDeque::new();
    let mut exceeded = false;
    let listed = view.list(query, &[], &mut |l| {
        if limit > 0 && dns.len() >= limit {
            exceeded = true;
            return false;
        }
        dns.push_back(l.dn);
        true
    })?;
    match listed.stopped {
        Some(e) => Err(e),
        None => Ok((dns, exceeded)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remaining(fingerprint: &str) -> Remaining {
        Remaining {
            fingerprint: fingerprint.into(),
            dns: VecDeque::from([Dn::parse("cn=a,o=x").unwrap()]),
            total: 1,
            exceeded: false,
            opened: 0,
        }
    }

    #[test]
    fn a_cookie_serves_once_and_only_its_own_search() {
        let searches = PagedSearches::default();
        let cookie = searches.keep(remaining("me|search"));
        let err = searches.take(&cookie, "someone else|search").err().unwrap();
        assert_eq!(err.code, ResultCode::UnwillingToPerform);
        assert!(searches.take(&cookie, "me|search").is_ok());
        assert!(searches.take(&cookie, "me|search").is_err(), "used up");
        assert!(searches.take(b"forged", "me|search").is_err());
    }

    #[test]
    fn the_oldest_search_gives_way() {
        let searches = PagedSearches::default();
        let first = searches.keep(remaining("f"));
        for _ in 0..KEPT_PER_CONNECTION {
            searches.keep(remaining("f"));
        }
        assert!(searches.take(&first, "f").is_err());
        assert_eq!(searches.lock().by_cookie.len(), KEPT_PER_CONNECTION);
    }
}
