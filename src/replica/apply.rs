//! Applying one sync session's messages to the local directory (RFC 4533 3.4): each
//! entry and delete committed with its cookie; during a refresh, every entryUUID the
//! provider names is remembered, so that the end of a present phase (or of any refresh
//! without a cookie) deletes the local entries it did not name; syncIdSet names many
//! at once. An entry whose parent has
//! not arrived yet waits (a refresh need not send parents first) and its cookie with it.

use super::cookie::{printable, Cookies};
use super::message::{Phase, SyncMessage};
use super::ReplicaError;
use crate::directory::{Applied, Directory};
use crate::dn::Dn;
use crate::entry::Entry;
use crate::error::{LdapError, ResultCode};
use crate::state::ServerState;
use std::collections::HashSet;
use std::sync::Arc;

/// e-syncRefreshRequired (RFC 4533 2.6): the cookie is too old for the provider.
const SYNC_REFRESH_REQUIRED: u32 = 4096;

/// What the session does after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Read the next one.
    Continue,
    /// The search ended cleanly (refreshOnly's end, or the provider closed persist).
    Ended,
}

/// The applier of one session.
pub struct Follower<'c> {
    state: Arc<ServerState>,
    base: Dn,
    cookies: &'c mut Cookies,
    /// Every entryUUID named since the refresh began; None once it is done.
    named: Option<HashSet<String>>,
    /// Entries whose parent is not stored yet, in arrival order.
    waiting: Vec<Entry>,
    /// Changes applied this session, for the log.
    applied: usize,
    /// The session started without a cookie: whatever phase the provider calls it
    /// (slapd ends an initial refresh with refreshDelete), what it sent is the whole
    /// content, so the local entries it did not name go.
    full: bool,
}

impl<'c> Follower<'c> {
    /// The applier of a session replicating `base`, starting from `cookies`.
    pub fn new(state: Arc<ServerState>, base: Dn, cookies: &'c mut Cookies) -> Follower<'c> {
        Follower {
            full: cookies.current.is_none(),
            state,
            base,
            cookies,
            named: Some(HashSet::new()),
            waiting: Vec::new(),
            applied: 0,
        }
    }

    /// Whether the refresh stage is over (persist has begun).
    pub fn refreshed(&self) -> bool {
        self.named.is_none()
    }

    /// Changes applied so far.
    pub fn applied(&self) -> usize {
        self.applied
    }

    /// Apply one message.
    pub async fn handle(&mut self, msg: SyncMessage) -> Result<Step, ReplicaError> {
        match msg {
            SyncMessage::Entry {
                entry,
                uuid,
                cookie,
            } => {
                self.name(uuid);
                self.entry(entry, cookie).await?;
            }
            SyncMessage::Present { uuid } => self.name(uuid),
            SyncMessage::Delete { uuid, dn, cookie } => {
                tracing::info!("syncrepl_entry: LDAP_SYNC_DELETE dn=\"{dn}\" entryUUID={uuid}");
                let cookie = self.cookies.commit_with(cookie, !self.waiting.is_empty());
                self.delete(uuid, cookie).await?;
            }
            SyncMessage::NewCookie(c) => self.save_cookie(Some(c)).await?,
            SyncMessage::PhaseEnd {
                phase,
                refresh_done,
                cookie,
            } => self.phase_end(phase, refresh_done, cookie).await?,
            SyncMessage::IdSet {
                deletes,
                uuids,
                cookie,
            } => self.id_set(deletes, uuids, cookie).await?,
            SyncMessage::Done {
                rc,
                text,
                cookie,
                refresh_deletes,
            } => return self.done(rc, text, cookie, refresh_deletes).await,
            SyncMessage::Reference => tracing::warn!("syncrepl: search reference ignored"),
        }
        Ok(Step::Continue)
    }

    /// Remember that the provider named `uuid` during the refresh.
    fn name(&mut self, uuid: String) {
        if let Some(named) = self.named.as_mut() {
            named.insert(uuid.to_ascii_lowercase());
        }
    }

    /// Store an added or changed entry; one whose parent is missing waits.
    async fn entry(&mut self, entry: Entry, cookie: Option<Vec<u8>>) -> Result<(), ReplicaError> {
        let cookie = self.cookies.commit_with(cookie, !self.waiting.is_empty());
        let dn = entry.dn.to_string();
        match self.store_entry(entry.clone(), cookie.clone()).await {
            Ok(applied) => {
                tracing::info!("syncrepl_entry: {} \"{dn}\" (0)", applied_verb(applied));
                self.retry_waiting().await
            }
            Err(ReplicaError::Apply(e)) if e.code == ResultCode::NoSuchObject => {
                tracing::info!("syncrepl_entry: \"{dn}\" waits for its parent");
                if let Some(c) = cookie {
                    self.cookies.commit_with(Some(c), true);
                }
                self.waiting.push(entry);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Store the waiting entries whose parents have arrived, until none moves; then
    /// commit the cookie held back for them.
    async fn retry_waiting(&mut self) -> Result<(), ReplicaError> {
        while !self.waiting.is_empty() {
            let before = self.waiting.len();
            for entry in std::mem::take(&mut self.waiting) {
                let dn = entry.dn.to_string();
                match self.store_entry(entry.clone(), None).await {
                    Ok(applied) => {
                        tracing::info!("syncrepl_entry: {} \"{dn}\" (0)", applied_verb(applied))
                    }
                    Err(ReplicaError::Apply(e)) if e.code == ResultCode::NoSuchObject => {
                        self.waiting.push(entry)
                    }
                    Err(e) => return Err(e),
                }
            }
            if self.waiting.len() == before {
                return Ok(());
            }
        }
        let held = self.cookies.release();
        self.save_cookie(held).await
    }

    /// One replicated entry into the directory, on a blocking thread.
    async fn store_entry(
        &mut self,
        entry: Entry,
        cookie: Option<Vec<u8>>,
    ) -> Result<Applied, ReplicaError> {
        let applied = on_directory(&self.state, move |dir| {
            dir.apply_replicated_entry(entry, cookie.as_deref())
                .map(|a| (a, cookie))
        })
        .await?;
        self.applied += 1;
        if let Some(c) = applied.1 {
            self.cookies.stored(&c);
        }
        Ok(applied.0)
    }

    /// Delete the entry `uuid`, committing `cookie` with it.
    async fn delete(&mut self, uuid: String, cookie: Option<Vec<u8>>) -> Result<(), ReplicaError> {
        let (applied, cookie) = on_directory(&self.state, move |dir| {
            dir.apply_replicated_delete(&uuid, cookie.as_deref())
                .map(|a| (a, cookie))
        })
        .await?;
        if applied == Applied::Deleted {
            self.applied += 1;
        }
        if let Some(c) = cookie {
            self.cookies.stored(&c);
        }
        Ok(())
    }

    /// Whether writes wait for the disk: not during a refresh, whose changes are made
    /// durable together at its end (thousands of entries, one flush).
    pub async fn durable(&self, durable: bool) -> Result<(), ReplicaError> {
        on_directory(&self.state, move |dir| {
            dir.defer_replicated_durability(!durable)
        })
        .await
    }

    /// Store `cookie` alone (held back while entries wait).
    async fn save_cookie(&mut self, cookie: Option<Vec<u8>>) -> Result<(), ReplicaError> {
        let Some(c) = self.cookies.commit_with(cookie, !self.waiting.is_empty()) else {
            return Ok(());
        };
        let saved = c.clone();
        on_directory(&self.state, move |dir| dir.save_sync_cookie(&c)).await?;
        tracing::info!("do_syncrep2: cookie={}", printable(Some(&saved)));
        self.cookies.stored(&saved);
        Ok(())
    }

    /// The end of a refresh phase: after a present phase the entries not named go.
    async fn phase_end(
        &mut self,
        phase: Phase,
        refresh_done: bool,
        cookie: Option<Vec<u8>>,
    ) -> Result<(), ReplicaError> {
        let name = match phase {
            Phase::Present => "REFRESH_PRESENT",
            Phase::Delete => "REFRESH_DELETE",
        };
        tracing::info!("do_syncrep2: LDAP_RES_INTERMEDIATE - {name} refreshDone={refresh_done}");
        if phase == Phase::Present || self.full {
            self.delete_unnamed().await?;
        }
        self.end_refresh_stage(refresh_done, cookie).await
    }

    /// A refresh stage ended: nothing may still wait, the cookie is stored, and
    /// tracking names stops once the whole refresh is done.
    async fn end_refresh_stage(
        &mut self,
        refresh_done: bool,
        cookie: Option<Vec<u8>>,
    ) -> Result<(), ReplicaError> {
        if let Some(e) = self.waiting.first() {
            return Err(ReplicaError::Protocol(format!(
                "the refresh ended with \"{}\" still missing its parent",
                e.dn
            )));
        }
        if refresh_done {
            // The refresh's writes, deferred, are made durable before persist begins.
            self.durable(true).await?;
        }
        self.save_cookie(cookie).await?;
        self.named = if refresh_done {
            tracing::info!(
                "do_syncrep2: refresh done, {} changes applied",
                self.applied
            );
            None
        } else {
            Some(HashSet::new())
        };
        Ok(())
    }

    /// syncIdSet: many deletes, or many entries present.
    async fn id_set(
        &mut self,
        deletes: bool,
        uuids: Vec<String>,
        cookie: Option<Vec<u8>>,
    ) -> Result<(), ReplicaError> {
        tracing::info!(
            "do_syncrep2: LDAP_RES_INTERMEDIATE - SYNC_ID_SET {} entryUUIDs refreshDeletes={deletes}",
            uuids.len()
        );
        if deletes {
            for uuid in uuids {
                self.delete(uuid, None).await?;
            }
        } else {
            for uuid in uuids {
                self.name(uuid);
            }
        }
        self.save_cookie(cookie).await
    }

    /// Delete every local entry below the base that the present phase did not name,
    /// deepest first.
    async fn delete_unnamed(&mut self) -> Result<(), ReplicaError> {
        let Some(named) = self.named.take() else {
            return Ok(());
        };
        let base = self.base.clone();
        let mut gone: Vec<(String, Dn)> =
            on_directory(&self.state, move |dir| dir.entry_uuids(&base))
                .await?
                .into_iter()
                .filter(|(uuid, _)| !named.contains(uuid))
                .collect();
        gone.sort_by_key(|(_, dn)| std::cmp::Reverse(dn.depth()));
        for (uuid, dn) in gone {
            tracing::info!("syncrepl_del_nonpresent: be_delete \"{dn}\" (0)");
            self.delete(uuid, None).await?;
        }
        self.named = Some(HashSet::new());
        Ok(())
    }

    /// The search's end: a refreshOnly refresh completes; a refused cookie asks for a
    /// full refresh; anything else is the provider's error.
    async fn done(
        &mut self,
        rc: u32,
        text: String,
        cookie: Option<Vec<u8>>,
        refresh_deletes: bool,
    ) -> Result<Step, ReplicaError> {
        tracing::info!("do_syncrep2: LDAP_RES_SEARCH_RESULT err={rc} text={text}");
        match rc {
            0 => {
                if !self.refreshed() {
                    if !refresh_deletes || self.full {
                        self.delete_unnamed().await?;
                    }
                    self.end_refresh_stage(true, cookie).await?;
                } else {
                    self.save_cookie(cookie).await?;
                }
                Ok(Step::Ended)
            }
            SYNC_REFRESH_REQUIRED => Err(ReplicaError::RefreshRequired),
            _ => Err(ReplicaError::Provider(rc, text)),
        }
    }
}

/// The log's word for what a replicated entry did (slapd's back-end calls).
fn applied_verb(applied: Applied) -> &'static str {
    match applied {
        Applied::Added => "be_add",
        Applied::Replaced => "be_modify",
        Applied::Renamed => "be_modrdn",
        Applied::Deleted => "be_delete",
        Applied::Absent => "be_delete (absent)",
    }
}

/// Run `f` on the directory on a blocking thread (store writes wait for the disk).
async fn on_directory<T: Send + 'static>(
    state: &Arc<ServerState>,
    f: impl FnOnce(&Directory) -> Result<T, LdapError> + Send + 'static,
) -> Result<T, ReplicaError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || f(&state.dir))
        .await
        .map_err(|e| ReplicaError::Protocol(format!("apply task failed: {e}")))?
        .map_err(ReplicaError::Apply)
}
