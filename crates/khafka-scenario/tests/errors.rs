//! One test per class of error: line, column, span, message, hint and Kafka error name.

use khafka_scenario::{parse, ParseError, ParseErrors};

fn errors(src: &str) -> Vec<ParseError> {
    match parse(src) {
        Ok(_) => panic!("expected errors for:\n{src}"),
        Err(e) => e.0,
    }
}

/// The only error of `src`.
fn one(src: &str) -> ParseError {
    let mut e = errors(src);
    assert_eq!(e.len(), 1, "expected one error, got {e:#?}");
    e.remove(0)
}

/// 1-based character column of `needle` in line `line` of `src`.
fn col(src: &str, line: usize, needle: &str) -> u32 {
    let l = src.lines().nth(line - 1).unwrap();
    let byte = l
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in `{l}`"));
    l[..byte].chars().count() as u32 + 1
}

fn at(e: &ParseError) -> (u32, u32, u32) {
    (e.line, e.column, e.len)
}

#[test]
fn misspelled_statement() {
    let e = one("seed 1\ntpoic orders\n");
    assert_eq!(at(&e), (2, 1, 5));
    assert_eq!(e.message, "unknown statement `tpoic`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `topic`?"));
    assert_eq!(e.kafka_error, None);
    assert_eq!(
        e.to_string(),
        "line 2, column 1: unknown statement `tpoic`; did you mean `topic`?"
    );
    // A fault keyword used as a statement gets a hint about `at`.
    let e = one("crash broker 1");
    assert!(e.hint.unwrap().contains("at 2s crash"));
}

#[test]
fn misspelled_config_key() {
    let src =
        "cluster brokers=3\ntopic orders partitions=3 replication.factor=3 min.insync.replica=2\n";
    let e = one(src);
    assert_eq!(at(&e), (2, col(src, 2, "min.insync"), 18));
    assert_eq!(e.message, "unknown config `min.insync.replica`");
    assert_eq!(
        e.hint.as_deref(),
        Some("did you mean `min.insync.replicas`?")
    );
    assert_eq!(
        e.to_string(),
        "line 2, column 48: unknown config `min.insync.replica`; did you mean `min.insync.replicas`?"
    );
    // The statement's own keys are candidates too.
    let e = one("topic t\nproducer p topic=t rat=5/s");
    assert_eq!(e.hint.as_deref(), Some("did you mean `rate`?"));
    // A key that belongs to another statement says where it goes.
    let e = one("topic t acks=all");
    assert_eq!(e.message, "unknown config `acks`");
    assert_eq!(
        e.hint.as_deref(),
        Some("`acks` is a producer config: put it on a `producer` line")
    );
    // Nothing close: the hint lists what the line accepts.
    let e = one("consumer c topic=t zzzzzzzz=1\ntopic t");
    assert!(e
        .hint
        .unwrap()
        .starts_with("a `consumer` line accepts: topic, start, isolation.level"));
}

#[test]
fn invalid_values_say_what_was_expected() {
    let src = "topic t\nproducer p1 topic=t acks=2";
    let e = one(src);
    assert_eq!(at(&e), (2, col(src, 2, "2"), 1));
    assert_eq!(
        e.message,
        "invalid value `2` for `acks`: expected `0`, `1`, `all` or `-1` (INVALID_REQUIRED_ACKS)"
    );
    let e = one("topic t min.insync.replicas=zero");
    assert_eq!(e.kafka_error, Some("INVALID_CONFIG"));
    assert!(e.message.contains("expected a non-negative integer"));
    let e = one("cluster controller=raft");
    assert_eq!(
        e.message,
        "invalid value `raft` for `controller`: expected `kraft` or `zookeeper`"
    );
}

#[test]
fn duplicate_key_on_a_line() {
    let src = "topic t partitions=1 partitions=2";
    let e = one(src);
    assert_eq!(at(&e), (1, 22, 10));
    assert_eq!(e.message, "`partitions` is set twice on this line");
    assert_eq!(e.hint.as_deref(), Some("remove one of them"));
}

#[test]
fn not_a_key_value_pair() {
    let e = errors("topic t partitions 3").remove(0);
    assert_eq!(at(&e), (1, 9, 10));
    assert_eq!(e.message, "expected `key=value`, found `partitions`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `partitions=…`?"));
    let e = one("topic t partitions=");
    assert_eq!(e.message, "`partitions=` has no value");
}

#[test]
fn missing_required_key() {
    let e = one("topic t\nproducer p1 acks=all");
    assert_eq!(at(&e), (2, 1, 8));
    assert_eq!(e.message, "`producer` needs `topic=`");
    let e = errors("consumer").remove(0);
    assert_eq!(e.message, "`consumer` needs a name");
}

#[test]
fn replication_factor() {
    let src = "cluster brokers=3\ntopic orders partitions=3 replication.factor=4";
    let e = one(src);
    assert_eq!(at(&e), (2, col(src, 2, "4"), 1));
    assert_eq!(
        e.message,
        "replication factor 4 larger than available brokers 3"
    );
    assert_eq!(e.kafka_error, Some("INVALID_REPLICATION_FACTOR"));
    // Checked against the final cluster line, wherever it is.
    let e = one("topic orders replication.factor=3\ncluster brokers=2");
    assert_eq!(
        (e.line, e.kafka_error),
        (1, Some("INVALID_REPLICATION_FACTOR"))
    );
    let e = one("topic orders replication.factor=0");
    assert_eq!(e.message, "replication factor must be larger than 0");
    assert_eq!(e.kafka_error, Some("INVALID_REPLICATION_FACTOR"));
    // The default replication factor is checked too, pointing at the topic name.
    let e = one("cluster brokers=1 default.replication.factor=2\ntopic t");
    assert_eq!(
        (at(&e), e.kafka_error),
        ((2, 7, 1), Some("INVALID_REPLICATION_FACTOR"))
    );
    // min.insync.replicas above RF is accepted, as in Kafka.
    assert!(parse("topic t replication.factor=1 min.insync.replicas=3").is_ok());
}

#[test]
fn partitions() {
    let e = one("topic t partitions=0");
    assert_eq!(at(&e), (1, 20, 1));
    assert_eq!(e.message, "number of partitions must be larger than 0");
    assert_eq!(e.kafka_error, Some("INVALID_PARTITIONS"));
}

#[test]
fn topic_already_exists() {
    let e = one("topic orders\ntopic orders");
    assert_eq!(at(&e), (2, 7, 6));
    assert_eq!(e.message, "topic `orders` already exists");
    assert_eq!(e.kafka_error, Some("TOPIC_ALREADY_EXISTS"));
}

#[test]
fn illegal_topic_names() {
    let e = one("topic a/b");
    assert_eq!(at(&e), (1, 7, 3));
    assert_eq!(e.kafka_error, Some("INVALID_TOPIC_EXCEPTION"));
    assert!(e
        .message
        .starts_with("topic name `a/b` is illegal: it contains `/`"));
    assert_eq!(one("topic ..").kafka_error, Some("INVALID_TOPIC_EXCEPTION"));
    let long = format!("topic {}", "x".repeat(250));
    assert_eq!(one(&long).kafka_error, Some("INVALID_TOPIC_EXCEPTION"));
}

#[test]
fn replica_assignments() {
    let src = "topic t replicas=1,2;2,7";
    let e = one(src);
    assert_eq!(at(&e), (1, 24, 1));
    assert_eq!(
        e.message,
        "broker 7 does not exist (the cluster has brokers 1..3)"
    );
    assert_eq!(e.kafka_error, Some("INVALID_REPLICA_ASSIGNMENT"));
    let e = one("topic t replicas=1,2;3");
    assert_eq!(
        e.message,
        "partition 1 has 1 replicas but partition 0 has 2"
    );
    let e = one("topic t replicas=1,1");
    assert_eq!(
        e.message,
        "broker 1 appears twice in the replicas of partition 0"
    );
    let e = one("topic t partitions=3 replicas=1,2;2,1");
    assert_eq!(
        e.message,
        "`replicas=` lists 2 partitions but `partitions=3`"
    );
    let e = one("topic t replicas=1,x");
    assert_eq!(
        (at(&e), e.kafka_error),
        ((1, 20, 1), Some("INVALID_REPLICA_ASSIGNMENT"))
    );
}

#[test]
fn unknown_topic_or_partition() {
    let src = "topic orders partitions=2\nproducer p1 topic=ordres";
    let e = one(src);
    assert_eq!(at(&e), (2, 19, 6));
    assert_eq!(e.message, "unknown topic `ordres`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `orders`?"));
    assert_eq!(e.kafka_error, Some("UNKNOWN_TOPIC_OR_PARTITION"));
    let e = one("topic orders partitions=2\nproducer p1 topic=orders partition=2");
    assert_eq!(at(&e), (2, 36, 1));
    assert_eq!(e.message, "partition 2 of topic `orders` does not exist");
    assert_eq!(e.hint.as_deref(), Some("`orders` has partitions 0..1"));
    assert_eq!(e.kafka_error, Some("UNKNOWN_TOPIC_OR_PARTITION"));
    let e = one("topic orders\nat 1s crash broker leader(orders-1)");
    assert_eq!(at(&e), (2, 27, 8));
    assert_eq!(e.hint.as_deref(), Some("`orders` has only partition 0"));
    let e = one("topic orders\nexpect isr(order-0) == {1}");
    assert_eq!(at(&e), (2, 12, 7));
    assert_eq!(e.kafka_error, Some("UNKNOWN_TOPIC_OR_PARTITION"));
    assert_eq!(e.hint.as_deref(), Some("did you mean `orders`?"));
}

#[test]
fn brokers_must_exist() {
    let e = one("cluster brokers=3\nat 2s crash broker 7");
    assert_eq!(at(&e), (2, 20, 1));
    assert_eq!(
        e.message,
        "broker 7 does not exist (the cluster has brokers 1..3)"
    );
    let e = one("at 2s partition {1,0} | 2");
    assert_eq!(at(&e), (1, 20, 1));
    assert_eq!(
        e.message,
        "broker 0 does not exist (the cluster has brokers 1..3)"
    );
    let e = one("cluster brokers=1\ntopic t\nexpect hw(t-0, 2) == 0");
    assert_eq!(
        e.message,
        "broker 2 does not exist (the cluster has broker 1 only)"
    );
    let e = one("cluster brokers=0");
    assert_eq!(e.message, "a cluster needs at least one broker");
}

#[test]
fn clients() {
    let e = one("topic t\nproducer p1 topic=t\nat 1s isolate p2");
    assert_eq!(at(&e), (3, 15, 2));
    assert_eq!(e.message, "unknown node `p2`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `p1`?"));
    let e = one("topic t\nconsumer c1 topic=t\nat 1s pause producer c1");
    assert_eq!(e.message, "`c1` is a consumer, not a producer");
    let e = one("topic t\nproducer p1 topic=t\nconsumer p1 topic=t");
    assert_eq!(at(&e), (3, 10, 2));
    assert_eq!(e.message, "there is already a producer named `p1`");
    let e = one("topic t\nproducer controller topic=t");
    assert_eq!(
        e.message,
        "`controller` is a reserved word and cannot name a client"
    );
    let e = one("topic t\nproducer 7 topic=t");
    assert!(e.message.contains("must start with a letter"));
    // Clients may be named before they are declared.
    assert!(parse("link p1 -> 1 loss=1%\ntopic t\nproducer p1 topic=t").is_ok());
}

#[test]
fn idempotence_conflict() {
    let src = "topic t\nproducer p topic=t acks=1 enable.idempotence=true";
    let e = one(src);
    assert_eq!(at(&e), (2, col(src, 2, "enable"), 23));
    assert!(e.message.starts_with("enable.idempotence=true conflicts"));
    assert!(e.message.contains("acks must be `all`"));
}

#[test]
fn delivery_timeout_below_linger_and_request_timeout() {
    // KafkaProducer.configureDeliveryTimeout: an explicit value too small is a ConfigException...
    let src = "topic t\nproducer p topic=t linger.ms=20000 delivery.timeout.ms=1500";
    let e = one(src);
    assert_eq!(at(&e), (2, col(src, 2, "delivery"), 24));
    assert!(e
        .message
        .starts_with("delivery.timeout.ms should be equal to or larger than"));
    assert_eq!(
        e.hint.as_deref(),
        Some("use `delivery.timeout.ms=50000` or more")
    );
    // ...and the default is raised to linger.ms + request.timeout.ms.
    let s = parse("topic t\nproducer p topic=t linger.ms=100000").unwrap();
    assert_eq!(s.spec.producers[0].config.delivery_timeout_ms, 130_000);
    let s = parse("topic t\nproducer p topic=t delivery.timeout.ms=30005 linger.ms=5").unwrap();
    assert_eq!(s.spec.producers[0].config.delivery_timeout_ms, 30_005);
}

#[test]
fn rates_and_durations() {
    let e = one("topic t\nproducer p topic=t rate=0/s");
    assert_eq!(at(&e), (2, 25, 3));
    assert_eq!(e.message, "a rate must be greater than 0");
    let e = one("topic t\nproducer p topic=t rate=100");
    assert_eq!(e.hint.as_deref(), Some("give a unit: `rate=100/s`"));
    let e = one("at 2 heal");
    assert_eq!(at(&e), (1, 4, 1));
    assert_eq!(
        e.message,
        "expected a duration such as `2s`, `1500ms` or `1.5s`, found `2`"
    );
    assert_eq!(e.hint.as_deref(), Some("add a unit: `2s` or `2ms`"));
    let e = one("topic t\nproducer p topic=t start=5s stop=2s");
    assert!(e.message.contains("stops at 2s"));
    let e = one("network loss=150%");
    assert_eq!(e.hint.as_deref(), Some("loss cannot exceed 100%"));
    let e = one("run 0s");
    assert_eq!(e.message, "the run must last longer than 0s");
}

#[test]
fn once_only_statements() {
    let e = one("run 10s\nrun 5s");
    assert_eq!(at(&e), (2, 1, 3));
    assert_eq!(e.message, "`run` is given twice");
    assert_eq!(
        e.hint.as_deref(),
        Some("the first `run` is on line 1; keep only one")
    );
    assert_eq!(one("cluster\ncluster").message, "`cluster` is given twice");
    assert_eq!(one("seed 1 2").message, "unexpected `2` after `seed 1`");
}

#[test]
fn faults() {
    let e = one("at 1s crsh broker 1");
    assert_eq!(at(&e), (1, 7, 4));
    assert_eq!(e.message, "unknown fault `crsh`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `crash`?"));
    // A word for a broker's death the language does not use (walk 14).
    let e = one("at 1s kill broker 1");
    assert_eq!(e.hint.as_deref(), Some("did you mean `crash`?"));
    // An action after the run's end is not an error: a cell warns that it never happens.
    assert!(khafka_scenario::parse("at 40s heal\nrun 30s").is_ok());
    // A number past its type says the bound (fuzz 14, #18).
    let e = one("at 1s crash broker 4294967296");
    assert!(
        e.message
            .ends_with("`4294967296` is too large: at most 4294967295"),
        "{}",
        e.message
    );
    // A unit spelled out.
    let e = one("at 10sec heal");
    assert_eq!(e.hint.as_deref(), Some("did you mean `10s`?"));
    let e = one("at 2minutes heal\nrun 5m");
    assert_eq!(e.hint.as_deref(), Some("did you mean `2m`?"));
    let e = one("at 1s crash broker 1 lose-unflush");
    assert_eq!(e.hint.as_deref(), Some("did you mean `lose-unflushed`?"));
    let e = one("at 1s partition {1}");
    assert_eq!(e.message, "a partition needs at least two groups of nodes");
    let e = one("at 1s partition {1} -> {2} -> {3}");
    assert_eq!(
        e.message,
        "a one-way partition (`->`) has exactly two groups"
    );
    let e = one("at 1s partition {1} | 2,3");
    assert_eq!(at(&e), (1, 23, 3));
    assert_eq!(
        e.hint.as_deref(),
        Some("put a set of nodes in braces: `{2,3}`")
    );
    let e = one("at 1s partition {1,2} | {2}");
    assert_eq!(e.message, "`2` is in two groups");
    let e = one("at 1s slow broker 1 50ms");
    assert_eq!(e.message, "expected `by=DURATION` or `off`, found `50ms`");
    let e = one("at 1s elect unclean");
    assert_eq!(e.message, "unsupported election type `unclean`");
    let e = one("topic t\nat 1s set topic t min.insync.replicas=x");
    assert_eq!(e.kafka_error, Some("INVALID_CONFIG"));
    let e = one("at 1s link 1 => 2 loss=1%");
    assert_eq!(e.message, "expected `->` or `<->`, found `=>`");
    let e = one("link 1 -> 2");
    assert_eq!(
        e.message,
        "`link` needs `latency=`, `loss=` and/or `bandwidth=`"
    );
    let e = one("link 1 -> 2 bandwidth=0MB/s");
    assert_eq!(e.message, "bandwidth `0MB/s` is below 1 B/s");
    let e = one("network bandwidth=10mbps");
    assert!(e
        .message
        .starts_with("expected a bandwidth such as `10MB/s`"));
    let e = one("network bandwith=10MB/s");
    assert_eq!(e.hint.as_deref(), Some("did you mean `bandwidth`?"));
    let e = one("topic t\nproducer p topic=t compression.type=brotli");
    assert!(e.message.contains("compression.type"), "{}", e.message);
}

#[test]
fn expectations() {
    let e = one("expect lsot == 0");
    assert_eq!(at(&e), (1, 8, 4));
    assert_eq!(e.message, "unknown metric `lsot`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `lost`?"));
    let src = "topic orders\nexpect isr(orders-0) == 2";
    let e = one(src);
    assert_eq!(at(&e), (2, 25, 1));
    assert_eq!(e.message, "`isr(…)` is a set; compare it with `{1,2}`");
    let e = one("topic t\nexpect isr(t-0) < {1}");
    assert_eq!(e.message, "`isr(…)` is a set; compare it with `==` or `!=`");
    let e = one("topic t\nexpect leader(t-0) > 1");
    assert!(e
        .message
        .starts_with("`leader(…)` is a broker id or `none`"));
    let e = one("expect lost == none");
    assert_eq!(e.message, "`lost` is a number; it is never `none`");
    let e = one("expect errors(NOT_ENOUGH_REPLICA) > 0");
    assert_eq!(at(&e), (1, 15, 18));
    assert_eq!(
        e.hint.as_deref(),
        Some("did you mean `NOT_ENOUGH_REPLICAS`?")
    );
    let e = one("expect lost = 0");
    assert_eq!((at(&e), e.hint.as_deref()), ((1, 13, 1), Some("use `==`")));
    let e = one("expect lost");
    assert_eq!(e.message, "`lost` is not compared with anything");
    let e = one("expect lost == 0 extra");
    assert_eq!(at(&e), (1, 18, 5));
    let e = one("topic t\nexpect leader(t-0");
    assert_eq!(e.message, "missing `)`");
}

#[test]
fn keeps_going_and_sorts_errors() {
    let src = "tpoic t\ncluster brokers=3\ntopic orders replication.factor=4 min.insync.replica=2\nproducer p1 topic=ordres acks=2 rate=-5/s\nat 2s crash broker 7\nat 3 heal\nexpect isr(orders-0) == 2\n";
    let e = errors(src);
    let places: Vec<(u32, u32)> = e.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(
        places,
        vec![
            (1, 1),
            (3, 33),
            (3, 35),
            (4, 19),
            (4, 31),
            (4, 38),
            (5, 20),
            (6, 4),
            (7, 25)
        ]
    );
}

#[test]
fn render_is_compiler_like() {
    let src = "cluster brokers=3\ntopic orders partitions=3 replication.factor=4\n";
    let rendered = parse(src).unwrap_err().render("orders.khafka", src);
    assert_eq!(
        rendered,
        "orders.khafka:2:46: error: replication factor 4 larger than available brokers 3\n  |\n2 | topic orders partitions=3 replication.factor=4\n  |                                              ^\n  = hint: use at most `replication.factor=3`, or add brokers on the `cluster` line\n  = note: Kafka returns INVALID_REPLICATION_FACTOR\n"
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let src = "# ünïcödé\ntopic t # ça\nproducer p topic=t rate=5/s keys=é,,x";
    let e = one(src);
    assert_eq!(at(&e), (3, 35, 1));
}

#[test]
fn the_broken_example_file_reports_every_mistake() {
    let src = include_str!("../../../tests/scenarios/parse/broken.khafka");
    let errors = parse(src).unwrap_err();
    assert_eq!(errors.len(), 9);
    let rendered = errors.render("broken.khafka", src);
    assert!(rendered.starts_with("broken.khafka:2:1: error: unknown statement `tpoic`\n"));
    assert!(rendered.contains("broken.khafka:4:48: error: unknown config `min.insync.replica`\n"));
    assert!(rendered.contains("  = hint: did you mean `min.insync.replicas`?\n"));
}

#[test]
fn settings_no_kafka_release_combines() {
    // ELR needs the strict min-ISR HW rule (3.7+) and KRaft (4.0+): asked for with either older
    // behaviour, the cluster line is refused with the reason.
    let e = one("cluster eligible.leader.replicas.enable=true high.watermark.rule=pre-3.7\n");
    assert_eq!(at(&e), (1, 1, 7));
    assert!(e.message.contains("strict min-ISR"), "{}", e.message);
    let e = one("cluster controller=zookeeper eligible.leader.replicas.enable=true\n");
    assert!(e.message.contains("KRaft"), "{}", e.message);
    // Without the key, the older release's behaviour turns ELR off instead (Kafka 3.6 has none).
    for src in [
        "cluster kafka.version=3.6\n",
        "cluster high.watermark.rule=pre-3.7\n",
        "cluster controller=zookeeper\n",
        "cluster kafka.version=4.0\n",
    ] {
        let s = parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
        assert!(
            !s.spec.cluster.config.eligible_leader_replicas_enable,
            "{src}"
        );
    }
    // Written before the version, the key still wins (the version is applied first).
    let e = one("cluster eligible.leader.replicas.enable=true kafka.version=3.6\n");
    assert!(e.message.contains("strict min-ISR"), "{}", e.message);
    // Kafka 4.1's new cluster has it; 4.0 may turn it on.
    for src in [
        "seed 1\n",
        "cluster kafka.version=4.0 eligible.leader.replicas.enable=true\n",
    ] {
        let s = parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
        assert!(
            s.spec.cluster.config.eligible_leader_replicas_enable,
            "{src}"
        );
    }
}

#[test]
fn bad_input_found_by_fuzzing_the_cli_gets_a_bound_and_an_error() {
    // Zero latency made zero-wait fetches loop at one instant: links take at least 50 µs.
    let e = one("network latency=0ms\n");
    assert!(
        e.message.contains("between 0.05ms and 60s"),
        "{}",
        e.message
    );
    assert!(parse("network latency=0.05ms\ncluster replica.fetch.wait.max.ms=0\n").is_ok());
    // Kafka's types: linger.ms is a long, request.timeout.ms an int.
    let p = |kv: &str| parse(&format!("topic t\nproducer p topic=t {kv}\n"));
    assert!(p("linger.ms=9223372036854775807").is_ok());
    let e = p("linger.ms=9223372036854775808").unwrap_err().0.remove(0);
    assert!(e.message.contains("Kafka's long"), "{}", e.message);
    let e = p("request.timeout.ms=2147483648").unwrap_err().0.remove(0);
    assert!(e.message.contains("Kafka's int"), "{}", e.message);
    // What cannot fit in memory is refused before it runs, at the `run` line.
    let e = one(
        "topic t partitions=3 replication.factor=3\nproducer p topic=t rate=1000000/s\nrun 30s\n",
    );
    assert_eq!(at(&e), (3, 1, 3));
    assert!(e.message.contains("30 M records"), "{}", e.message);
    let e = one("run 25h\n");
    assert!(e.message.contains("one simulated day"), "{}", e.message);
    // Thousands of bad keys: 50 errors and a count, rendered in text proportional to that.
    let keys: Vec<String> = (0..5_000).map(|i| format!("bad{i}=1")).collect();
    let src = format!("topic t {}\n", keys.join(" "));
    let errs = errors(&src);
    assert_eq!(errs.len(), 51);
    assert!(
        errs[50].message.contains("4950 more errors"),
        "{}",
        errs[50].message
    );
    let text = ParseErrors(errs).render("big.khafka", &src);
    assert!(text.len() < 30_000, "{} bytes of error text", text.len());
    // A source over 1 MiB is refused at once.
    let huge = "# padding\n".repeat(120_000);
    assert!(one(&huge).message.contains("at most 1024 KB"));
}

#[test]
fn controller_quorum_values_and_references() {
    // `controllers` takes 0 (one controller that never fails) or a quorum of 1 to 9.
    let e = one("cluster controllers=10");
    assert!(e.message.contains("controllers"), "{}", e.message);
    assert!(
        format!("{e:?}").contains("0 (one controller that never fails) or a quorum of 1 to 9"),
        "{e:?}"
    );
    // Raft's timeouts are Kafka ints, and at least 1 ms.
    let e = one("cluster controllers=3 controller.quorum.election.timeout.ms=0");
    assert!(format!("{e:?}").contains("greater than 0"), "{e:?}");
    let e = one("cluster controllers=3 controller.quorum.fetch.timeout.ms=2147483648");
    assert!(format!("{e:?}").contains("2147483647"), "{e:?}");
    // A quorum is KRaft's.
    let e = one("cluster controllers=3 controller=zookeeper");
    assert!(
        e.message.contains("ZooKeeper-era controller"),
        "{}",
        e.message
    );
    // A controller id needs a quorum, and must exist in it.
    let e = one("at 2s crash controller 1");
    assert_eq!(e.message, "controller 1 needs a controller quorum");
    assert_eq!(at(&e), (1, 13, 12));
    assert!(e
        .hint
        .as_deref()
        .unwrap()
        .starts_with("add `controllers=3`"));
    // In a ZooKeeper-era cluster the hint names KRaft (walk 13).
    let e = one("cluster controller=zookeeper\nat 2s crash controller 1");
    assert!(
        e.hint
            .as_deref()
            .unwrap()
            .starts_with("a controller quorum is KRaft's: put `controller=kraft controllers=3`"),
        "{e:?}"
    );
    let e = one("cluster controllers=3\nat 2s restart controller 4");
    assert_eq!(
        e.message,
        "controller 4 does not exist (the quorum has controllers 1..3)"
    );
    let e = one("cluster controllers=3\nat 2s partition {controller 0} | {1}");
    assert_eq!(
        e.message,
        "controller 0 does not exist (the quorum has controllers 1..3)"
    );
    let e = one("cluster controllers=3\nat 2s crash controller");
    assert_eq!(e.message, "`crash controller` needs a controller id");
    let e = one("cluster controllers=3\nat 2s isolate controller x");
    assert!(e.message.contains("controller id"), "{}", e.message);
    // `active_controller` compares with `==`/`!=` to an id or `none`.
    let e = one("cluster controllers=3\nexpect active_controller > 1");
    assert_eq!(
        e.message,
        "`active_controller` is a controller id or `none`; compare it with `==` or `!=`"
    );
    assert!(parse("cluster controllers=3\nat 2s isolate controller 2\nat 3s crash controller 1\nat 9s restart controller 1\nat 4s partition {controller 1} | {controller 2, controller 3, 1}\nexpect active_controller != none\nexpect controller_epoch >= 1").is_ok());
}

#[test]
fn add_broker_and_reassign() {
    let ok = "cluster brokers=3\ntopic orders partitions=2 replication.factor=3\n\
              at 10s add broker 4\nat 12s add broker 5\n\
              at 20s reassign orders-0 replicas=4,5,1\nat 25s crash broker 5\nrun 30s\n";
    let s = parse(ok).expect("valid");
    assert_eq!(s.spec.added_brokers(), 2);
    // Added brokers are numbered after the cluster's, in the order their lines are written.
    let src = "cluster brokers=3\nat 10s add broker 5\n";
    let e = one(src);
    assert_eq!(at(&e), (2, col(src, 2, "5"), 1));
    assert_eq!(e.message, "the next broker to add is 4, not 5");
    assert!(e.hint.unwrap().contains("numbered 4, 5"));
    let e = one("cluster brokers=3\nat 10s add broker 2\n");
    assert_eq!(
        e.message,
        "broker 2 is already in the cluster (the cluster has brokers 1..3)"
    );
    let e = one("cluster brokers=1000\nat 10s add broker 1001\n");
    assert_eq!(
        e.message,
        "1001 brokers is more than the simulator's limit of 1000"
    );
    assert_eq!(
        one("at 1s add topic x\n").message,
        "`add` adds a broker, not `topic`"
    );
    assert_eq!(
        one("at 1s add broker\n").message,
        "`add broker` needs the new broker's id"
    );
    assert_eq!(
        one("at 1s add broker 4 now\n").message,
        "unexpected `now` after `add broker 4`"
    );
    // reassign: Kafka's INVALID_REPLICA_ASSIGNMENT for what can be known before the run.
    let base = "cluster brokers=3\ntopic orders partitions=1 replication.factor=3\n";
    let src = format!("{base}at 5s reassign orders-0 replicas=1,2,1\n");
    let e = one(&src);
    assert_eq!(at(&e), (3, 38, 1)); // the second `1`
    assert_eq!(
        e.message,
        "The manual partition assignment includes the broker 1 more than once."
    );
    assert_eq!(e.kafka_error, Some("INVALID_REPLICA_ASSIGNMENT"));
    let e = one(&format!("{base}at 5s reassign orders-0 replicas=1,4\n"));
    assert_eq!(
        e.message,
        "broker 4 does not exist (the cluster has brokers 1..3)"
    );
    let e = one(&format!("{base}at 5s reassign orders-9 replicas=1\n"));
    assert_eq!(e.kafka_error, Some("UNKNOWN_TOPIC_OR_PARTITION"));
    let e = one(&format!("{base}at 5s reassign orders-0\n"));
    assert_eq!(e.message, "`reassign orders-0` needs `replicas=`");
    let e = one(&format!("{base}at 5s reassign orders-0 brokers=1\n"));
    assert_eq!(e.message, "expected `replicas=…`, found `brokers=1`");
    let e = one(&format!("{base}at 5s reassign orders-0 replicas=1;2\n"));
    assert_eq!(
        e.message,
        "`reassign` takes one replica list (one partition)"
    );
    assert!(!errors(&format!("{base}at 5s reassign orders-0 replicas=\n")).is_empty());
    assert!(!errors(&format!("{base}at 5s reassign orders-0 replicas=x\n")).is_empty());
    assert!(!errors(&format!(
        "{base}at 5s reassign orders-0 replicas=99999999999\n"
    ))
    .is_empty());
}

#[test]
fn data_flow_latency_steps() {
    let base = "topic t partitions=1\nproducer p topic=t\nconsumer c topic=t\nrun 5s\n";
    let e = one(&format!("{base}expect latency_p50(end_to_edn) < 5\n"));
    assert_eq!(e.message, "unknown step `end_to_edn`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `end_to_end`?"));
    let e = one(&format!(
        "{base}expect latency_p99(to_leader, replication) < 5\n"
    ));
    assert_eq!(e.message, "`latency_p99` takes one step at most");
    assert!(parse(&format!("{base}expect latency_max(to_consumer) >= 0\n")).is_ok());
    assert!(parse(&format!("{base}expect latency_p50 < 100\n")).is_ok());
}

const SCHEMA_LINE: &str = "schema v1 avro {\"type\":\"record\",\"name\":\"O\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}\n";
const BASE: &str = "cluster brokers=1\ntopic t partitions=1 replication.factor=1\n";

#[test]
fn schema_lines_and_registry() {
    let e = one(&format!("{BASE}schema v1\n"));
    assert_eq!(
        e.message,
        "`schema` needs a name, a format and the schema's text"
    );
    let e = one(&format!("{BASE}schema v1 avor {{}}\n"));
    assert_eq!(e.message, "unknown schema format `avor`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `avro`?"));
    let e = one(&format!("{BASE}schema v1 avro\n"));
    assert_eq!(e.message, "schema `v1` has no text");
    let e = one(&format!("{BASE}{SCHEMA_LINE}{SCHEMA_LINE}"));
    assert_eq!(e.message, "schema `v1` is declared twice");
    let e = one(&format!("{BASE}schema v1 avro message=M \"long\"\n"));
    assert_eq!(e.message, "`message=` is for Protobuf schemas");
    let big = format!("{BASE}schema v1 json \"{}\"\n", "x".repeat(70_000));
    assert!(one(&big).message.contains("at most 65536"));
    let e = one(&format!("{BASE}registry compatibility=BACKWARDS\n"));
    assert_eq!(e.message, "unknown compatibility level `BACKWARDS`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `BACKWARD`?"));
    let e = one(&format!("{BASE}registry subject=t-value\n"));
    assert_eq!(e.message, "`registry` needs `compatibility=`");
    let e = one(&format!(
        "{BASE}registry compatibility=FULL\nregistry compatibility=NONE\n"
    ));
    assert_eq!(e.message, "the registry's global level is given twice");
}

#[test]
fn serializers_and_deserializers() {
    let p = "producer p1 topic=t";
    let e = one(&format!(
        "{BASE}{SCHEMA_LINE}{p} value.serializer=avro value.schema=v2 value={{\"id\":1}}\n"
    ));
    assert_eq!(e.message, "no schema named `v2`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `v1`?"));
    let e = one(&format!(
        "{BASE}{SCHEMA_LINE}{p} value.serializer=avor value.schema=v1 value={{\"id\":1}}\n"
    ));
    assert_eq!(e.message, "unknown value serializer `avor`");
    let e = one(&format!(
        "{BASE}{SCHEMA_LINE}{p} value.serializer=protobuf value.schema=v1 value={{\"id\":1}}\n"
    ));
    assert!(e.message.contains("schema `v1` is avro"), "{}", e.message);
    let e = one(&format!(
        "{BASE}{SCHEMA_LINE}{p} value.serializer=avro value={{\"id\":1}}\n"
    ));
    assert_eq!(e.message, "a `value.serializer` needs `value.schema=`");
    let e = one(&format!(
        "{BASE}{SCHEMA_LINE}{p} value.serializer=avro value.schema=v1\n"
    ));
    assert!(e.message.contains("needs `value=`"));
    let e = one(&format!("{BASE}{SCHEMA_LINE}{p} value.schema=v1\n"));
    assert_eq!(e.message, "`value.schema` needs a `value.serializer`");
    let e = one(&format!("{BASE}{p} value={{\"id\":1}}\n"));
    assert!(e.message.contains("expected `null`"));
    let e = one(&format!(
        "{BASE}{SCHEMA_LINE}{p} value.serializer=avro value.schema=v1 value={{\"id\":1}} record.size=10\n"
    ));
    assert_eq!(e.message, "`record.size` with a `value.serializer`");
    // Confluent's class names are accepted.
    parse(&format!("{BASE}{SCHEMA_LINE}{p} value.serializer=io.confluent.kafka.serializers.KafkaAvroSerializer value.schema=v1 value={{\"id\":1}}\nconsumer c1 topic=t value.deserializer=io.confluent.kafka.serializers.KafkaAvroDeserializer value.reader.schema=v1\n")).unwrap();
    let c = "consumer c1 topic=t";
    let e = one(&format!("{BASE}{SCHEMA_LINE}{c} value.deserializer=avro\n"));
    assert_eq!(
        e.message,
        "a `value.deserializer` needs `value.reader.schema=`"
    );
    let e = one(&format!("{BASE}{SCHEMA_LINE}{c} value.reader.schema=v1\n"));
    assert_eq!(
        e.message,
        "`value.reader.schema` needs a `value.deserializer`"
    );
    let e = one(&format!(
        "{BASE}{SCHEMA_LINE}{c} value.deserializer=avro value.reader.schema=v1 deserialization.exception.handler=skip\n"
    ));
    assert!(e.message.contains("deserialization.exception.handler"));
    assert!(e.hint.unwrap().contains("LogAndContinue"));
    let e = one(&format!(
        "{BASE}{c} deserialization.exception.handler=LogAndContinue\n"
    ));
    assert!(e.message.contains("needs a `value.deserializer`"));
}

#[test]
fn value_templates() {
    let p = format!(
        "{BASE}{SCHEMA_LINE}producer p1 topic=t value.serializer=avro value.schema=v1 value="
    );
    let e = one(&format!("{p}{{\"id\":${{1..9\n"));
    assert_eq!(e.message, "`${` opens a placeholder that no `}` closes");
    let e = one(&format!("{p}{{\"id\":${{9..1}}}}\n"));
    assert_eq!(
        e.message,
        "value range `9..1` is empty: 9 is greater than 1"
    );
    let e = one(&format!("{p}{{\"id\":${{none}}}}\n"));
    assert_eq!(e.message, "a placeholder needs a set, not `none`");
    let e = one(&format!("{p}{{\"id\":${{1..1000001}}}}\n"));
    assert!(e.message.contains("at most 1000000"), "{}", e.message);
    let e = one(&format!("{p}{}\n", "${1..2}".repeat(600)));
    assert_eq!(e.message, "a value template is at most 4096 bytes");
    // 33 templates of 64 values are more than the codecs take before a run.
    let mut many = format!("{BASE}{SCHEMA_LINE}");
    for i in 0..33 {
        many.push_str(&format!("producer p{i} topic=t value.serializer=avro value.schema=v1 value={{\"id\":${{1..100}}}}\n"));
    }
    let e = one(&many);
    assert_eq!(
        e.message,
        "2112 template values in all (up to 64 per template); at most 2048"
    );
    // Every combination up to 64, the first set varying fastest; above, 64 drawn from the sets.
    use khafka_scenario::formats::pool;
    assert_eq!(
        pool(r#"{"c":"${EUR,USD}","n":${1..3}}"#),
        [
            r#"{"c":"EUR","n":1}"#,
            r#"{"c":"USD","n":1}"#,
            r#"{"c":"EUR","n":2}"#,
            r#"{"c":"USD","n":2}"#,
            r#"{"c":"EUR","n":3}"#,
            r#"{"c":"USD","n":3}"#
        ]
    );
    assert_eq!(pool(r#"{"id":7}"#), [r#"{"id":7}"#]);
    let big = pool(r#"{"id":${1..1000000},"c":"${EUR,USD}"}"#);
    assert_eq!(big.len(), 64);
    assert!(big.iter().any(|v| v.contains("EUR")) && big.iter().any(|v| v.contains("USD")));
    let distinct: std::collections::BTreeSet<&String> = big.iter().collect();
    assert!(distinct.len() > 60, "{big:?}");
    // The request holds each value of the pool, the first with the pool's size for compression.
    let s = parse(&format!("{p}{{\"id\":${{1..3}}}} compression.type=gzip\n")).unwrap();
    let req = s.formats_request().unwrap();
    for v in 1..=3 {
        assert!(
            req.contains(&format!("\"value\":\"{{\\\"id\\\":{v}}}\"")),
            "{req}"
        );
    }
    assert!(req.contains("\"batch\":\"gzip 16384 10 0 - 3\""), "{req}");
    assert_eq!(req.matches("\"batch\":null").count(), 2, "{req}");
    let text = khafka_scenario::print::scenario(&s.spec);
    assert_eq!(parse(&text).unwrap().spec, s.spec);
}

#[test]
fn schema_changes_at_an_instant() {
    let p = format!("{BASE}{SCHEMA_LINE}producer p1 topic=t value.serializer=avro value.schema=v1 value={{\"id\":1}}\n");
    let e = one(&format!("{p}at 2s producer p1\n"));
    assert_eq!(e.message, "nothing changes: give `value.schema=`");
    let e = one(&format!("{p}at 2s producer p2 value.schema=v1\n"));
    assert_eq!(e.message, "no producer named `p2`");
    let e = one(&format!("{p}at 2s producer p1 value.schema=v1 acks=all\n"));
    assert_eq!(e.message, "`acks` cannot change during a run");
    let e = one(&format!(
        "{BASE}{SCHEMA_LINE}producer p1 topic=t\nat 2s producer p1 value.schema=v1\n"
    ));
    assert_eq!(e.message, "producer `p1` has no `value.serializer`");
    // A change keeps the earlier value when it gives none, and prints back.
    let s = parse(&format!("{p}at 2s producer p1 value.schema=v1\n")).unwrap();
    let uses = &s.spec.producers[0].value_serializer.as_ref().unwrap().uses;
    assert_eq!(uses.len(), 2);
    assert_eq!(uses[1].value, "{\"id\":1}");
    let text = khafka_scenario::print::scenario(&s.spec);
    assert_eq!(parse(&text).unwrap().spec, s.spec);
    assert!(s
        .formats_request()
        .unwrap()
        .contains("\"op\":\"sim_table\""));
}

#[test]
fn subject_name_strategies() {
    let p = format!("{BASE}{SCHEMA_LINE}producer p1 topic=t value.serializer=avro value.schema=v1 value={{\"id\":1}}");
    let e = one(&format!(
        "{p} value.subject.name.strategy=TopicRecordStrategy\n"
    ));
    assert_eq!(
        e.message,
        "unknown subject name strategy `TopicRecordStrategy`"
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("did you mean `TopicRecordNameStrategy`?")
    );
    // Confluent's class name, and the default spelled out, are accepted.
    let s = parse(&format!(
        "{p} value.subject.name.strategy=io.confluent.kafka.serializers.subject.RecordNameStrategy\n"
    ))
    .unwrap();
    let ser = s.spec.producers[0].value_serializer.as_ref().unwrap();
    assert_eq!(ser.strategy.as_deref(), Some("RecordNameStrategy"));
    let s = parse(&format!(
        "{p} value.subject.name.strategy=TopicNameStrategy\n"
    ))
    .unwrap();
    assert_eq!(
        s.spec.producers[0]
            .value_serializer
            .as_ref()
            .unwrap()
            .strategy,
        None
    );
    assert!(s.formats_request().unwrap().contains("\"strategy\":null"));
}

/// A megabyte-long token is quoted clipped, so its error stays a line (walk 11: the page grew
/// ten million pixels wide); the span still covers the whole token.
#[test]
fn a_huge_token_is_quoted_clipped() {
    let token = "x".repeat(1_000_000);
    let e = one(&format!("seed 1 {token}\n"));
    assert!(e.message.len() < 200, "{} bytes", e.message.len());
    assert!(
        e.message.starts_with("unexpected `xxxx") && e.message.contains("x…x"),
        "{}",
        e.message
    );
    assert_eq!(e.len, 1_000_000);
    let hinted = one(&format!(
        "seed 1\ntopic t\nproducer p topic=t acks={token}\n"
    ));
    assert!(
        hinted.message.len() + hinted.hint.as_deref().map_or(0, str::len) < 600,
        "{hinted:?}"
    );
}

#[test]
fn spaces_around_equals_are_one_error() {
    for (written, span) in [("acks = all", 10), ("acks =all", 9), ("acks= all", 9)] {
        let src = format!("topic t\nproducer p1 topic=t {written}\nrun 1s\n");
        let e = one(&src);
        assert_eq!(at(&e), (2, col(&src, 2, "acks"), span), "{written}");
        assert_eq!(e.message, format!("spaces around `=` in `{written}`"));
        assert_eq!(e.hint.as_deref(), Some("write `acks=all`, with no spaces"));
    }
    // Still a bare word and a stray `=` when they are not one setting.
    let e = errors("topic t\nproducer p1 topic=t acks = linger.ms=5\nrun 1s\n");
    assert_eq!(e.len(), 2, "{e:#?}");
}

#[test]
fn encodings_and_precision_read_as_an_editor_shows_them() {
    // A byte-order mark is invisible: not part of the first statement.
    assert!(parse("\u{feff}topic t\nrun 1s\n").is_ok());
    // Old Mac line endings: a lone CR ends a line, and errors count lines as the editor does.
    assert!(parse("topic t\rproducer p topic=t\rrun 1s\r").is_ok());
    let e = one("topic t\rtpoic u\rrun 1s\r");
    assert_eq!(at(&e), (2, 1, 5));
    // Control characters in a name are escaped in the message.
    let e = one("topic t\u{0}x\nrun 1s\n");
    assert!(
        e.message
            .starts_with("topic name `t\\0x` is illegal: it contains `\\0`"),
        "{}",
        e.message
    );
    // Durations are whole microseconds: refused with that reason, never rounded to zero.
    for d in ["0.5us", "1.0000001s", "0.0000001s"] {
        let e = one(&format!("run {d}\n"));
        assert_eq!(
            e.hint.as_deref(),
            Some("durations are whole microseconds: at most six decimals of a second, none of a microsecond"),
            "{d}"
        );
    }
    assert!(parse("run 1.000001s\n").is_ok());
}

#[test]
fn a_slow_brokers_delay_is_bounded_as_a_links_latency() {
    let e = one("topic t\nat 1s slow broker 1 by=61s\nrun 5s\n");
    assert_eq!(
        e.message,
        "a slow broker's delay is at most 60s, found `61s`"
    );
    assert!(parse("topic t\nat 1s slow broker 1 by=60s\nrun 5s\n").is_ok());
}
