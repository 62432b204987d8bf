//! A store that cannot be used stops `aitrace serve` at start-up with a
//! message that names the file and says what to do: a file that is not a
//! database, another program's database, and a store another `aitrace serve`
//! is using.

mod support;

use support::{Server, TempDir};

#[test]
fn a_file_that_is_not_a_database_is_refused_by_name() {
    let dir = TempDir::new("corrupt");
    let noise: Vec<u8> = (0..16_384u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(dir.db(), &noise).unwrap();
    let failed = Server::try_start(&dir, &[], &[]).err().expect("refused");
    assert_eq!(failed.status.and_then(|s| s.code()), Some(1), "{failed:?}");
    let want = format!(
        "aitrace: {} is not an SQLite database or is damaged",
        dir.db().display()
    );
    assert!(failed.stderr.starts_with(&want), "{}", failed.stderr);
    assert!(failed.stderr.contains("move it aside"), "{}", failed.stderr);
    assert_eq!(
        std::fs::read(dir.db()).unwrap(),
        noise,
        "the file is left as it was"
    );
}

#[test]
fn another_programs_database_is_left_alone() {
    let dir = TempDir::new("foreign");
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    conn.execute_batch("CREATE TABLE notes(body TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    drop(conn);
    let failed = Server::try_start(&dir, &[], &[]).err().expect("refused");
    assert!(
        failed
            .stderr
            .contains("is an SQLite database but not an aitrace trace store"),
        "{}",
        failed.stderr
    );
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    let body: String = conn
        .query_row("SELECT body FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(body, "mine");
}

#[test]
fn a_second_server_on_the_same_store_is_refused() {
    let dir = TempDir::new("in-use");
    let first = Server::start(&dir, &[], &[]);
    let failed = Server::try_start(&dir, &[], &[]).err().expect("refused");
    assert!(
        failed.stderr.contains(&format!(
            "another aitrace serve is already using {}",
            dir.db().display()
        )),
        "{}",
        failed.stderr
    );
    // The first one is unharmed.
    let r = support::http::get(first.http, "/", &[]);
    assert_eq!(r.status, 200);
    let (status, stderr) = first.stop();
    assert!(status.success(), "{stderr}");
    // Once it stopped, the store is free again.
    let again = Server::start(&dir, &[], &[]);
    again.stop();
}
