//! mailldap as a syncrepl consumer (`[replication]`, src/replica/): a provider loaded
//! with the article's tree (tests/interop/data/tree.ldif) and a real `mailldap serve`
//! following it, both on free ports. After each step the two directories are compared
//! as full ldapsearch dumps (user attributes, entryUUID, entryCSN, the timestamps and
//! creatorsName/modifiersName, sorted).
//!
//! Each scenario is generic over the provider (tests/common/sync.rs's [`Provider`]) and
//! runs here against Debian's slapd with the syncprov overlay and against mailldap's
//! own provider (src/sync): mailldap replicating mailldap.
//!
//! A missing program (slapd, slapadd, ldap-utils, postmap) fails these tests.

mod common;
use common::sync::{
    consumer, converge, hundred_changes, new_account, seed, tail, visible, MailldapProvider,
    Provider, SlapdProvider, CONVERGE, LIVE,
};
use common::{account_ldif, mail_dn, modify_ldif, replace_ldif, repo, HOSTING};
use std::time::{Duration, Instant};

fn initial_refresh_then_live_add_modify_modrdn_delete_and_subtree_rename<P: Provider>() {
    let provider = P::start();
    let consumer = consumer(&provider, "");
    converge(&provider, &consumer, CONVERGE, "initial refresh");

    let dn = mail_dn("live@domain1.example");
    provider.change(&new_account("live"));
    let took = visible(&consumer, &dn, LIVE, |r| r.code == 0);
    println!("add visible on the consumer after {took:?}");
    converge(&provider, &consumer, CONVERGE, "after the add");

    provider.change(&replace_ldif(&dn, "sn", "Changed"));
    let took = visible(&consumer, &dn, LIVE, |r| r.stdout.contains("sn: Changed"));
    println!("modify visible on the consumer after {took:?}");
    converge(&provider, &consumer, CONVERGE, "after the modify");

    let renamed = mail_dn("moved@domain1.example");
    provider.change(&format!(
        "dn: {dn}\nchangetype: modrdn\nnewrdn: mail=moved@domain1.example\ndeleteoldrdn: 1\n"
    ));
    let took = visible(&consumer, &renamed, LIVE, |r| r.code == 0);
    println!("modrdn visible on the consumer after {took:?}");
    converge(&provider, &consumer, CONVERGE, "after the modrdn");

    provider.change(&format!("dn: {renamed}\nchangetype: delete\n"));
    let took = visible(&consumer, &renamed, LIVE, |r| r.code == 32);
    println!("delete visible on the consumer after {took:?}");
    converge(&provider, &consumer, CONVERGE, "after the delete");

    // A domain renamed with its accounts: the provider sends the domain entry only.
    provider.change(&format!(
        "dn: o=domain2.example,{HOSTING}\nchangetype: modrdn\nnewrdn: o=domain3.example\ndeleteoldrdn: 0\n"
    ));
    let moved_child = format!("mail=abuse@domain2.example,o=domain3.example,{HOSTING}");
    let took = visible(&consumer, &moved_child, LIVE, |r| r.code == 0);
    println!("subtree rename visible on the consumer after {took:?}");
    converge(&provider, &consumer, CONVERGE, "after the subtree rename");
    assert!(
        consumer.log().contains("syncrepl_entry"),
        "the consumer logs what it applies:\n{}",
        consumer.log()
    );
}

fn consumer_restarted_after_100_changes_converges<P: Provider>() {
    let provider = P::start();
    let mut consumer = consumer(&provider, "");
    seed(&provider, "a");
    converge(&provider, &consumer, CONVERGE, "initial refresh");
    consumer.kill();
    hundred_changes(&provider, "a");
    consumer.restart();
    converge(
        &provider,
        &consumer,
        CONVERGE,
        "after 100 changes while stopped",
    );
}

fn consumer_too_far_behind_for_the_session_log_converges<P: Provider>() {
    // 200 changes overflow syncprov's session log of 100: the provider cannot send the
    // deletes, so it refreshes with a present phase and the consumer drops the rest.
    let provider = P::start();
    let mut consumer = consumer(&provider, "");
    seed(&provider, "a");
    seed(&provider, "b");
    converge(&provider, &consumer, CONVERGE, "initial refresh");
    consumer.kill();
    hundred_changes(&provider, "a");
    hundred_changes(&provider, "b");
    consumer.restart();
    converge(
        &provider,
        &consumer,
        CONVERGE,
        "after 200 changes while stopped",
    );
}

fn provider_restarted_during_persist_converges<P: Provider>() {
    let mut provider = P::start();
    let consumer = consumer(&provider, "");
    converge(&provider, &consumer, CONVERGE, "initial refresh");
    provider.change(&new_account("before"));
    provider.restart();
    provider.change(&new_account("after"));
    provider.change(&format!(
        "dn: {}\nchangetype: delete\n",
        mail_dn("before@domain1.example")
    ));
    converge(&provider, &consumer, CONVERGE, "after the provider restart");
    // Persist resumed: a live change arrives again.
    let dn = mail_dn("later@domain1.example");
    provider.change(&new_account("later"));
    visible(&consumer, &dn, CONVERGE, |r| r.code == 0);
}

fn refresh_only_mode_converges<P: Provider>() {
    let provider = P::start();
    let consumer = consumer(&provider, "mode = \"refreshOnly\"\ninterval_secs = 1\n");
    seed(&provider, "a");
    converge(&provider, &consumer, CONVERGE, "first refresh");
    hundred_changes(&provider, "a");
    converge(&provider, &consumer, CONVERGE, "a later refresh");
}

fn writes_to_the_consumer_get_a_referral_to_the_provider<P: Provider>() {
    let provider = P::start();
    let consumer = consumer(&provider, "");
    converge(&provider, &consumer, CONVERGE, "initial refresh");
    let user1 = mail_dn("user1@domain1.example");
    let writes = [
        new_account("refused"),
        replace_ldif(&user1, "sn", "Refused"),
        format!("dn: {user1}\nchangetype: delete\n"),
        format!(
            "dn: {user1}\nchangetype: modrdn\nnewrdn: mail=x@domain1.example\ndeleteoldrdn: 1\n"
        ),
        modify_ldif(&user1, "add: description\ndescription: refused\n"),
    ];
    for ldif in writes {
        let r = consumer.tool_as_root("ldapmodify", &[], Some(&ldif));
        assert_eq!(r.code, 10, "referral expected:\n{ldif}\n{}", r.stderr);
        assert!(
            r.stderr.contains(&provider.uri()),
            "the referral names the provider: {}",
            r.stderr
        );
    }
    // ldappasswd exits 1 on any failure and prints the result code.
    let r = consumer.tool_as_root("ldappasswd", &["-s", "new", &user1], None);
    let said = format!("{}{}", r.stdout, r.stderr);
    assert!(
        r.code != 0 && said.contains("Referral (10)") && said.contains(&provider.uri()),
        "Password Modify gets a referral too: {} {said}",
        r.code
    );
    // Reads serve normally, and nothing was written.
    let r = consumer.search_anon(HOSTING, "(mail=user1@domain1.example)", &["mail"]);
    assert!(
        r.stdout.contains("mail: user1@domain1.example"),
        "{}",
        r.stdout
    );
    converge(&provider, &consumer, CONVERGE, "after the refused writes");
}

fn postmap_against_the_consumer_answers_as_against_the_provider<P: Provider>() {
    let provider = P::start();
    let consumer = consumer(&provider, "");
    converge(&provider, &consumer, CONVERGE, "initial refresh");
    common::interop::run_snippet(
        "postfix.sh against a mailldap consumer of slapd",
        &format!(
            "bash tests/interop/postfix.sh {:?} \"$SUFFIX\" \"$ROOTDN\" \"$ROOTPW\"",
            consumer.uri
        ),
    );
}

fn an_entry_moved_below_a_newer_parent_waits_for_it<P: Provider>() {
    // The refresh sends entries in the provider's id order: user1 (old) before the
    // domain it was moved into (new).
    let provider = P::start();
    provider.change(&format!(
        "dn: o=domain4.example,{HOSTING}\nchangetype: add\nobjectClass: top\nobjectClass: organization\no: domain4.example\n"
    ));
    provider.change(&format!(
        "dn: {}\nchangetype: modrdn\nnewrdn: mail=user1@domain1.example\ndeleteoldrdn: 0\nnewsuperior: o=domain4.example,{HOSTING}\n",
        mail_dn("user1@domain1.example")
    ));
    let consumer = consumer(&provider, "");
    converge(&provider, &consumer, CONVERGE, "initial refresh");
    assert!(
        consumer.log().contains("waits for its parent"),
        "{}",
        consumer.log()
    );
}

fn consumer_killed_during_its_first_refresh_converges<P: Provider>() {
    // 3,000 accounts take the consumer seconds to store: it is killed halfway, with
    // part of the tree stored and no cookie yet, and must converge when restarted.
    let dir = tempfile::tempdir().expect("tempdir");
    let ldif = dir.path().join("big.ldif");
    let mut text =
        std::fs::read_to_string(repo().join("tests/interop/data/tree.ldif")).expect("tree");
    for i in 0..3000 {
        let addr = format!("many{i}@domain1.example");
        text.push_str(&format!(
            "\n{}mail: {addr}\n",
            account_ldif(&addr, &format!("domain1.example/many{i}/"), "")
        ));
    }
    std::fs::write(&ldif, text).expect("write ldif");
    let provider = P::start_with(&ldif);
    let mut consumer = consumer(&provider, "");
    let deadline = Instant::now() + CONVERGE;
    while consumer.log().matches("syncrepl_entry: be_add").count() < 500 {
        assert!(
            Instant::now() < deadline,
            "no progress:\n{}",
            tail(&consumer.log(), 40)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    consumer.kill();
    consumer.restart();
    converge(
        &provider,
        &consumer,
        CONVERGE * 3,
        "after a kill during the first refresh",
    );
}

// Each scenario against slapd with syncprov; a mailldap provider adds its own line each.

#[test]
fn initial_refresh_then_live_add_modify_modrdn_delete_and_subtree_rename_from_slapd() {
    initial_refresh_then_live_add_modify_modrdn_delete_and_subtree_rename::<SlapdProvider>();
}

#[test]
fn consumer_restarted_after_100_changes_converges_from_slapd() {
    consumer_restarted_after_100_changes_converges::<SlapdProvider>();
}

#[test]
fn consumer_too_far_behind_for_the_session_log_converges_from_slapd() {
    consumer_too_far_behind_for_the_session_log_converges::<SlapdProvider>();
}

#[test]
fn provider_restarted_during_persist_converges_from_slapd() {
    provider_restarted_during_persist_converges::<SlapdProvider>();
}

#[test]
fn refresh_only_mode_converges_from_slapd() {
    refresh_only_mode_converges::<SlapdProvider>();
}

#[test]
fn writes_to_the_consumer_get_a_referral_to_the_provider_from_slapd() {
    writes_to_the_consumer_get_a_referral_to_the_provider::<SlapdProvider>();
}

#[test]
fn postmap_against_the_consumer_answers_as_against_the_provider_from_slapd() {
    postmap_against_the_consumer_answers_as_against_the_provider::<SlapdProvider>();
}

#[test]
fn an_entry_moved_below_a_newer_parent_waits_for_it_from_slapd() {
    an_entry_moved_below_a_newer_parent_waits_for_it::<SlapdProvider>();
}

#[test]
fn consumer_killed_during_its_first_refresh_converges_from_slapd() {
    consumer_killed_during_its_first_refresh_converges::<SlapdProvider>();
}

#[test]
fn initial_refresh_then_live_add_modify_modrdn_delete_and_subtree_rename_from_mailldap() {
    initial_refresh_then_live_add_modify_modrdn_delete_and_subtree_rename::<MailldapProvider>();
}

#[test]
fn consumer_restarted_after_100_changes_converges_from_mailldap() {
    consumer_restarted_after_100_changes_converges::<MailldapProvider>();
}

#[test]
fn consumer_too_far_behind_for_the_session_log_converges_from_mailldap() {
    consumer_too_far_behind_for_the_session_log_converges::<MailldapProvider>();
}

#[test]
fn provider_restarted_during_persist_converges_from_mailldap() {
    provider_restarted_during_persist_converges::<MailldapProvider>();
}

#[test]
fn refresh_only_mode_converges_from_mailldap() {
    refresh_only_mode_converges::<MailldapProvider>();
}

#[test]
fn writes_to_the_consumer_get_a_referral_to_the_provider_from_mailldap() {
    writes_to_the_consumer_get_a_referral_to_the_provider::<MailldapProvider>();
}

#[test]
fn postmap_against_the_consumer_answers_as_against_the_provider_from_mailldap() {
    postmap_against_the_consumer_answers_as_against_the_provider::<MailldapProvider>();
}

// an_entry_moved_below_a_newer_parent_waits_for_it has no mailldap line: mailldap's
// refresh sends entries in tree order, parents first, so no entry ever waits.

#[test]
fn consumer_killed_during_its_first_refresh_converges_from_mailldap() {
    consumer_killed_during_its_first_refresh_converges::<MailldapProvider>();
}
