//! The CLI's own flags and files: each mistake refused with a message that says what to write.

mod common;
use common::khafka;

fn file(name: &str, bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("khafka-flags-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

fn refused(args: &[&str], needle: &str) {
    let (code, out, err) = khafka(args);
    assert_eq!(code, 2, "stdout: {out}");
    assert!(err.contains(needle), "stderr `{err}` lacks `{needle}`");
}

#[test]
fn flags_are_bounded_and_given_once() {
    let f = file("ok.khafka", b"topic t\nrun 1s\n");
    refused(
        &["run", &f, "--until", "0s"],
        "--until must be longer than 0s",
    );
    refused(
        &["run", &f, "--until", "1s", "--until", "2s"],
        "--until is given twice",
    );
    refused(
        &["partition", "--partitions", "2147483648", "k"],
        "an integer from 1 to 2147483647, Kafka's int",
    );
    let (code, out, _) = khafka(&["partition", "--partitions", "2147483647", "k"]);
    assert_eq!((code, out.starts_with("k\t")), (0, true));
    refused(
        &[
            "assign",
            "--assignor",
            "range",
            "--topic",
            "t:3",
            "--member",
            "a:t,",
        ],
        "an empty topic name between commas",
    );
    refused(&["story", &f, "--record", "-1"], "a record number from 0");
}

#[test]
fn a_file_that_is_not_utf8_is_refused_where_it_breaks() {
    let f = file("latin1.khafka", b"topic t\nrun 1s # caf\xe9\n");
    refused(
        &["check", &f],
        ":2:13: error: the file is not UTF-8 text (byte 0xE9 here)",
    );
}
