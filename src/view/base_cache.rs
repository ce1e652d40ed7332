//! Search bases an identity was found able to search, remembered per thread until
//! the next write. Every Postfix lookup searches the same base as the same
//! (anonymous) identity, and deciding it again costs a fetch, a decode and a rule
//! walk: about a tenth of a lookup's CPU under load (perf, 64 connections).
//! Only grants are remembered; a refusal is decided afresh each time, with its
//! matchedDN.

use crate::acl::{AccessControl, Identity};
use crate::dn::Dn;
use std::cell::RefCell;
use std::sync::Arc;

/// Grants kept per thread: a server serves few distinct bases.
const CAPACITY: usize = 16;

/// One remembered grant: `who` may search `base` under `policy`, as of `generation`.
struct Grant {
    /// Held, not just compared by address, so a freed policy's address cannot be
    /// reused by a new one while a grant made under the old one is remembered.
    policy: Arc<AccessControl>,
    who: Identity,
    base: Dn,
    generation: u64,
}

thread_local! {
    static GRANTS: RefCell<Vec<Grant>> = const { RefCell::new(Vec::new()) };
}

/// Whether a grant for (`policy`, `who`, `base`) made at `generation` is
/// remembered; grants made at another generation are forgotten on the way.
pub(super) fn granted(
    policy: &Arc<AccessControl>,
    who: &Identity,
    base: &Dn,
    generation: u64,
) -> bool {
    GRANTS.with_borrow_mut(|grants| {
        grants.retain(|g| g.generation == generation);
        grants
            .iter()
            .any(|g| Arc::ptr_eq(&g.policy, policy) && g.who == *who && g.base == *base)
    })
}

/// Remember that `who` may search `base` under `policy`, decided from the store as
/// it was at `generation` (read before the decision was made).
pub(super) fn remember(policy: &Arc<AccessControl>, who: &Identity, base: &Dn, generation: u64) {
    GRANTS.with_borrow_mut(|grants| {
        if grants.len() >= CAPACITY {
            grants.remove(0);
        }
        grants.push(Grant {
            policy: policy.clone(),
            who: who.clone(),
            base: base.clone(),
            generation,
        });
    })
}
