//! `khafka encode | decode | schema-compat` end to end: the exact interfaces, their output, exit
//! codes and input bounds.

use std::path::PathBuf;
use std::process::Command;

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("khafka-formats-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes a fixture and gives its path.
fn file(name: &str, text: &str) -> String {
    let p = dir().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// Runs `khafka args…`: (exit code, stdout, stderr).
fn khafka(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_khafka"))
        .args(args)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

/// Runs a command line split on spaces (no argument here contains one).
fn sh(line: &str) -> (i32, String, String) {
    khafka(&line.split(' ').collect::<Vec<_>>())
}

const USER: &str = r#"{"type":"record","name":"User","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"}]}"#;
const USER_READER: &str = r#"{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"email","type":"string","default":"none"}]}"#;
const USER_EMAIL: &str = r#"{"type":"record","name":"User","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"},{"name":"email","type":"string"}]}"#;
const PROTO: &str =
    "syntax = \"proto3\";\nmessage Test1 { int32 a = 1; }\nmessage Test2 { string b = 2; }\n";
const ANN: &str = r#"{"id":7,"name":"Ann"}"#;

#[test]
fn encode_prints_lowercase_hex() {
    let user = file("user.avsc", USER);
    let proto = file("t.proto", PROTO);
    let json = file(
        "s.json",
        r#"{"type":"object","properties":{"id":{"type":"integer"}}}"#,
    );
    for (line, expected) in [
        (
            format!("encode --format avro --schema {user} --value {ANN}"),
            "0e06416e6e",
        ),
        // With a schema id, the Confluent framing first (kafka-semantics.md §12.5's example).
        (
            format!("encode --format avro --schema {user} --value {ANN} --schema-id 42"),
            "000000002a0e06416e6e",
        ),
        // The Protobuf encoding guide's examples.
        (
            format!(r#"encode --format protobuf --schema {proto} --value {{"a":150}}"#),
            "089601",
        ),
        (
            format!(
                r#"encode --format protobuf --schema {proto} --message Test2 --value {{"b":"testing"}}"#
            ),
            "120774657374696e67",
        ),
        // Test2 is message index [1]: count 1 then index 1, zig-zag varints; [0] is one 00 byte.
        (
            format!(
                r#"encode --format protobuf --schema {proto} --message Test2 --value {{"b":"testing"}} --schema-id 1"#
            ),
            "00000000010202120774657374696e67",
        ),
        (
            format!(
                r#"encode --format protobuf --schema {proto} --value {{"a":150}} --schema-id 1"#
            ),
            "000000000100089601",
        ),
        (
            format!(r#"encode --format json --schema {json} --value {{"id":7}}"#),
            "7b226964223a377d",
        ),
    ] {
        let (code, out, err) = sh(&line);
        assert_eq!((code, out.trim_end()), (0, expected), "{line}: {err}");
    }
}

#[test]
fn explain_labels_each_byte_range() {
    let proto = file("t2.proto", PROTO);
    let (code, out, _) = sh(&format!(
        r#"encode --format protobuf --schema {proto} --value {{"a":150}} --explain"#
    ));
    assert_eq!(code, 0);
    for line in [
        "08  field 1 `a` (int32) tag (varint 0x8, wire type 0 VARINT)",
        "96 01  varint 150",
        "total 3 bytes",
    ] {
        assert!(out.contains(line), "{out}");
    }
    let user = file("user2.avsc", USER);
    let (_, out, _) = sh(&format!(
        "encode --format avro --schema {user} --value {ANN} --schema-id 42 --explain"
    ));
    for line in [
        "00 00 00 2a  schema id 42 (int32, big-endian)",
        "41 6e 6e  field name: string \"Ann\" (UTF-8)",
    ] {
        assert!(out.contains(line), "{out}");
    }
}

#[test]
fn decode_resolves_to_the_reader_schema() {
    let w = file("w.avsc", USER);
    let r = file("r.avsc", USER_READER);
    let strict = file("strict.avsc", USER_EMAIL);
    let proto = file("t3.proto", PROTO);
    let (code, out, _) = sh(&format!(
        "decode --format avro --schema {w} --reader-schema {r} --hex 0e06416e6e"
    ));
    assert_eq!((code, out.as_str()), (0, "{\"email\":\"none\",\"id\":7}\n"));
    let (code, out, _) = khafka(&[
        "decode",
        "--format",
        "avro",
        "--schema",
        &w,
        "--hex",
        "0E 06 41 6E 6E",
    ]);
    assert_eq!((code, out.as_str()), (0, "{\"id\":7,\"name\":\"Ann\"}\n"));
    let (code, out, _) = sh(&format!(
        "decode --format protobuf --schema {proto} --hex 089601"
    ));
    assert_eq!((code, out.as_str()), (0, "{\"a\":150}\n"));
    // Bytes that do not decode, or a reader that cannot read them: a clear error, exit 1.
    for (line, needle) in [
        (
            format!("decode --format avro --schema {w} --hex 0e06416e"),
            "cannot decode at byte 1: field name: string length 3 runs past the end (2 bytes left)",
        ),
        (
            format!("decode --format avro --schema {w} --reader-schema {strict} --hex 0e06416e6e"),
            "`email` is not in the writer's schema and has no default",
        ),
    ] {
        let (code, _, err) = sh(&line);
        assert_eq!(code, 1, "{line}");
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn schema_compat_verdicts_and_exit_codes() {
    let v1 = file("v1.avsc", USER);
    let v2 = file("v2.avsc", USER_EMAIL);
    // v3 = v1 plus email with a default: reads v2's email and v1's data; v1 and v2 read it.
    let v3 = file(
        "v3.avsc",
        r#"{"type":"record","name":"User","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"},{"name":"email","type":"string","default":""}]}"#,
    );
    let a = file("a.proto", "syntax = \"proto3\"; message M { int64 x = 1; }");
    let b = file(
        "b.proto",
        "syntax = \"proto3\"; message M { sint64 x = 1; }",
    );
    let j1 = file(
        "j1.json",
        r#"{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}"#,
    );
    let j2 = file(
        "j2.json",
        r#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"number"}},"additionalProperties":false}"#,
    );
    for (line, code, start) in [
        (
            format!("schema-compat --format avro --mode BACKWARD {v2} {v1}"),
            1,
            "incompatible: {errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'email' at path '/fields/2' in the new schema has no default value and is missing in the old schema'",
        ),
        (format!("schema-compat --format avro --mode FORWARD {v2} {v1}"), 0, "compatible"),
        (format!("schema-compat --format avro --mode NONE {v2} {v1}"), 0, "compatible"),
        (format!("schema-compat --format avro --mode FULL_TRANSITIVE {v3} {v2} {v1}"), 0, "compatible"),
        // v2 after [v3, v1]: BACKWARD checks the latest (v3) only and passes; the transitive
        // check also needs v2 to read v1's data, which has no email: refused, version 1 named.
        (format!("schema-compat --format avro --mode BACKWARD {v2} {v3} {v1}"), 0, "compatible"),
        (
            format!("schema-compat --format avro --mode BACKWARD_TRANSITIVE {v2} {v3} {v1}"),
            1,
            "incompatible: {errorType:'READER_FIELD_MISSING_DEFAULT_VALUE'",
        ),
        (
            format!("schema-compat --format protobuf --mode BACKWARD {b} {a}"),
            1,
            "incompatible: {errorType:\"FIELD_SCALAR_KIND_CHANGED\", description:\"The kind of a SCALAR field at path '#/M/1'",
        ),
        (format!("schema-compat --format json --mode BACKWARD {j2} {j1}"), 0, "compatible"),
        // FULL: the old schema (closed) cannot read b.
        (
            format!("schema-compat --format json --mode FULL {j2} {j1}"),
            1,
            "incompatible: {errorType:\"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL\"",
        ),
    ] {
        let (got, out, err) = sh(&line);
        assert_eq!(got, code, "{line}: {out}{err}");
        assert!(out.starts_with(start), "{line}: {out}");
    }
}

/// The commands of docs/formats.md, on the example schemas there, from the workspace root.
#[test]
fn documented_examples() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_khafka"))
            .current_dir(root)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).trim_end().to_string(),
        )
    };
    let user = r#"{"id":7,"name":"Ann"}"#;
    // The same user in the three formats: 5, 7 and 21 bytes.
    for (format, schema, bytes) in [
        ("avro", "docs/formats/user.avsc", 5),
        ("protobuf", "docs/formats/user.proto", 7),
        ("json", "docs/formats/user.schema.json", 21),
    ] {
        let (code, hex) = run(&[
            "encode", "--format", format, "--schema", schema, "--value", user,
        ]);
        assert_eq!((code, hex.len() / 2), (0, bytes), "{format}: {hex}");
    }
    let (_, avro) = run(&[
        "encode",
        "--format",
        "avro",
        "--schema",
        "docs/formats/user.avsc",
        "--value",
        user,
    ]);
    assert_eq!(avro, "0e06416e6e");
    let (code, out) = run(&[
        "encode",
        "--format",
        "avro",
        "--schema",
        "docs/formats/user.avsc",
        "--value",
        user,
        "--schema-id",
        "42",
        "--explain",
    ]);
    assert!(
        code == 0
            && out.contains("value: record khafka.example.User")
            && out.ends_with("total 10 bytes"),
        "{out}"
    );
    let decoded = run(&[
        "decode",
        "--format",
        "avro",
        "--schema",
        "docs/formats/user.avsc",
        "--reader-schema",
        "docs/formats/user-v2.avsc",
        "--hex",
        "0e06416e6e",
    ]);
    assert_eq!(
        decoded,
        (0, r#"{"email":"none","id":7,"name":"Ann"}"#.into())
    );
    let (code, out) = run(&[
        "schema-compat",
        "--format",
        "avro",
        "--mode",
        "BACKWARD_TRANSITIVE",
        "docs/formats/user-v3.avsc",
        "docs/formats/user-v2.avsc",
        "docs/formats/user.avsc",
    ]);
    assert_eq!(code, 1);
    assert!(out.starts_with("incompatible: {errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'country'"), "{out}");
}

#[test]
fn invalid_input_exits_2_with_a_clear_error() {
    let user = file("u.avsc", USER);
    let bad = file(
        "bad.avsc",
        r#"{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}"#,
    );
    let big = file("big.avsc", &" ".repeat((1 << 20) + 1));
    let arr = file("arr.avsc", r#"{"type":"array","items":"int"}"#);
    let deep = "[".repeat(100) + &"]".repeat(100);
    for (line, needle) in [
        (
            format!("encode --format xml --schema {user} --value {{}}"),
            "unknown format",
        ),
        (
            format!("encode --format avro --schema {user}"),
            "missing --value",
        ),
        (
            format!("encode --format avro --schema {user} --value {{}} --bogus 1"),
            "unknown option",
        ),
        (
            format!("encode --format avro --schema {user} --value {{not"),
            "invalid JSON",
        ),
        (
            format!("encode --format avro --schema {user} --value {{}} --schema-id 2147483648"),
            "outside 0..=2147483647",
        ),
        (
            format!("encode --format avro --schema {user} --value {{}} --schema-id -1"),
            "outside",
        ),
        (
            "encode --format avro --schema /nonexistent/x.avsc --value {}".to_string(),
            "/nonexistent/x.avsc",
        ),
        (
            format!("decode --format avro --schema {user} --hex abc"),
            "odd number of digits",
        ),
        (
            format!("decode --format avro --schema {user} --hex zz"),
            "invalid hex digit",
        ),
        (
            format!("schema-compat --format avro --mode SIDEWAYS {user} {user}"),
            "unknown compatibility level",
        ),
        (
            format!("schema-compat --format avro --mode BACKWARD {user}"),
            "at least one OLD",
        ),
        (
            format!("schema-compat --format avro --mode BACKWARD {bad} {user}"),
            "invalid schema",
        ),
        (
            format!("encode --format avro --schema {user} --value {{}} --message M"),
            "protobuf only",
        ),
        // Bounds: a schema file over 1 MiB, a value nested 100 deep.
        (
            format!("encode --format avro --schema {big} --value 1"),
            "the limit for a schema",
        ),
        (
            format!("encode --format avro --schema {arr} --value {deep}"),
            "nested deeper",
        ),
    ] {
        let (code, _, err) = sh(&line);
        assert_eq!(code, 2, "{line}: {err}");
        assert!(err.contains(needle), "{line}: expected `{needle}` in {err}");
    }
    // A --hex over the 1 MiB payload limit cannot reach the CLI (Linux refuses one argument over
    // 128 KiB); `from_hex` checks the limit itself (the formats crate's `hex_is_bounded`).
}
