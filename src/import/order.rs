//! The order records are applied in: slapadd takes an LDIF whose children come before
//! their parents, so an add whose parent is added later in the input waits for it.

use super::DnSet;
use crate::dn::Dn;
use crate::ldif::{ChangeRecord, LdifRecord};
use std::collections::{HashMap, VecDeque};

/// The DN a record adds, if it is an add.
pub(super) fn added_dn(record: &LdifRecord) -> Option<&Dn> {
    match record {
        LdifRecord::Content(e) | LdifRecord::Change(ChangeRecord::Add(e)) => Some(&e.dn),
        LdifRecord::Change(_) => None,
    }
}

/// The DN a change record works on (None for adds).
pub(super) fn changed_dn(record: &LdifRecord) -> Option<&Dn> {
    match record {
        LdifRecord::Content(_) | LdifRecord::Change(ChangeRecord::Add(_)) => None,
        LdifRecord::Change(ChangeRecord::Delete(dn))
        | LdifRecord::Change(ChangeRecord::Modify { dn, .. })
        | LdifRecord::Change(ChangeRecord::ModRdn { dn, .. }) => Some(dn),
    }
}

/// The normalised DNs the input adds somewhere.
pub(super) fn added_anywhere<'a>(records: impl Iterator<Item = &'a LdifRecord>) -> DnSet {
    records.filter_map(added_dn).map(Dn::normalized).collect()
}

/// Positions into `records` in the order to apply them. Each add comes after the add
/// of its parent when the input adds that parent; a change to an entry whose add
/// waits, waits behind it. Everything else keeps its place, so change records still
/// apply in file order.
pub(super) fn parents_first(records: &[&LdifRecord]) -> Vec<usize> {
    let mut plan = Plan {
        records,
        adds: added_anywhere(records.iter().copied()),
        placed: DnSet::default(),
        pending: DnSet::default(),
        waiting: HashMap::new(),
        order: Vec::with_capacity(records.len()),
    };
    for i in 0..records.len() {
        plan.visit(i);
    }
    // Nothing can be left: every chain of waits ends at an add that did not wait.
    let mut rest: Vec<usize> = plan.waiting.into_values().flatten().collect();
    rest.sort_unstable();
    plan.order.extend(rest);
    plan.order
}

/// The ordering in progress.
struct Plan<'a> {
    records: &'a [&'a LdifRecord],
    /// Every DN some add of the input names.
    adds: DnSet,
    /// DNs whose add is in the order already.
    placed: DnSet,
    /// DNs whose add was read but waits for its parent.
    pending: DnSet,
    /// Records waiting, by the DN whose add they wait for.
    waiting: HashMap<String, Vec<usize>>,
    order: Vec<usize>,
}

impl Plan<'_> {
    /// Place record `i` now, or park it until the add it depends on is placed. A change
    /// written before the add of its entry is meant for the entry already stored, so it
    /// waits only for an add that was read and is waiting.
    fn visit(&mut self, i: usize) {
        let rec = self.records[i];
        let awaited = match (added_dn(rec), changed_dn(rec)) {
            (Some(dn), _) => dn
                .parent()
                .map(|p| p.normalized())
                .filter(|p| self.adds.contains(p) && !self.placed.contains(p)),
            (None, Some(dn)) => Some(dn.normalized()).filter(|d| self.pending.contains(d)),
            (None, None) => None,
        };
        match awaited {
            Some(key) => {
                if let Some(dn) = added_dn(rec) {
                    self.pending.insert(dn.normalized());
                }
                self.waiting.entry(key).or_default().push(i);
            }
            None => self.place(i),
        }
    }

    /// Append record `i` to the order, then everything that waited for what it adds.
    fn place(&mut self, i: usize) {
        let mut queue = VecDeque::from([i]);
        while let Some(j) = queue.pop_front() {
            self.order.push(j);
            if let Some(dn) = added_dn(self.records[j]) {
                let key = dn.normalized();
                self.pending.remove(&key);
                if let Some(next) = self.waiting.remove(&key) {
                    queue.extend(next);
                }
                self.placed.insert(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Entry;

    fn add(dn: &str) -> LdifRecord {
        LdifRecord::Content(Entry::new(Dn::parse(dn).unwrap()))
    }

    fn delete(dn: &str) -> LdifRecord {
        LdifRecord::Change(ChangeRecord::Delete(Dn::parse(dn).unwrap()))
    }

    fn order_of(records: &[LdifRecord]) -> Vec<usize> {
        parents_first(&records.iter().collect::<Vec<_>>())
    }

    #[test]
    fn parents_come_first_and_the_rest_keeps_its_place() {
        let records = [
            add("c=1,b=1,a=1"),
            delete("x=1,a=1"),
            add("b=1,a=1"),
            add("a=1"),
            add("b=2,a=1"),
        ];
        assert_eq!(order_of(&records), vec![1, 3, 2, 0, 4]);
    }

    #[test]
    fn a_change_waits_only_for_an_add_already_read() {
        // The delete before the add of b=1 is for a stored entry: it stays first.
        let early = [delete("b=1,a=1"), add("b=1,a=1"), add("a=1")];
        assert_eq!(order_of(&early), vec![0, 2, 1]);
        // The delete after it deletes what the input added: it waits behind the add.
        let late = [add("b=1,a=1"), delete("b=1,a=1"), add("a=1")];
        assert_eq!(order_of(&late), vec![2, 0, 1]);
        // An entry whose parent the input never adds is left where it is.
        let orphan = [add("c=1,b=9,a=1"), add("a=1")];
        assert_eq!(order_of(&orphan), vec![0, 1]);
    }
}
