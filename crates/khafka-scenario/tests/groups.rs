//! Consumer-group keys, faults and expectations: each value has Kafka's type and range, and a
//! wrong one a clear error at its place.

#![cfg(feature = "groups")]

use khafka_scenario::{parse, ParseError};

fn one_error(src: &str) -> ParseError {
    match parse(src) {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(mut e) => {
            assert_eq!(e.0.len(), 1, "one error expected: {:#?}", e.0);
            e.0.remove(0)
        }
    }
}

/// The scenario printed back to text parses to the same spec; returns the text.
fn prints_back(src: &str) -> String {
    let spec = parse(src).expect("valid").spec;
    let text = khafka_scenario::print::scenario(&spec);
    let again = parse(&text)
        .unwrap_or_else(|e| panic!("printed text does not parse:\n{text}\n{e}"))
        .spec;
    assert_eq!(again, spec, "{text}");
    text
}

fn consumer(pairs: &str) -> String {
    format!("topic t partitions=3\nproducer p1 topic=t\nconsumer c1 topic=t {pairs}\nrun 1s\n")
}

#[test]
fn group_keys_take_kafkas_values() {
    let s = parse(&consumer(
        "group.id=g partition.assignment.strategy=org.apache.kafka.clients.consumer.RoundRobinAssignor,range \
         group.instance.id=i1 session.timeout.ms=10000 heartbeat.interval.ms=1000 \
         max.poll.interval.ms=60000 enable.auto.commit=false auto.commit.interval.ms=0 auto.offset.reset=none",
    ))
    .expect("valid keys");
    let g = &s.spec.consumers[0].config.group;
    assert_eq!(g.group_id.as_deref(), Some("g"));
    assert_eq!(
        g.partition_assignment_strategy
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>(),
        vec!["roundrobin", "range"]
    );
    assert!(!g.auto_commit());
    // The defaults: Kafka 4.1's ConsumerConfig.
    let s = parse(&consumer("group.id=g")).unwrap();
    let g = &s.spec.consumers[0].config.group;
    assert_eq!(
        (
            g.session_timeout_ms,
            g.heartbeat_interval_ms,
            g.max_poll_interval_ms,
            g.auto_commit_interval_ms,
            g.auto_commit()
        ),
        (45_000, 3_000, 300_000, 5_000, true)
    );
    assert_eq!(
        g.partition_assignment_strategy
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>(),
        vec!["range", "cooperative-sticky"]
    );
}

#[test]
fn the_consumer_protocol_takes_its_keys_and_the_brokers_bound_them() {
    let s = parse(&consumer(
        "group.id=g group.protocol=consumer group.remote.assignor=range max.poll.interval.ms=60000",
    ))
    .expect("valid keys");
    let g = &s.spec.consumers[0].config.group;
    assert_eq!(
        g.group_protocol,
        khafka_sim::config::GroupProtocol::Consumer
    );
    assert_eq!(g.group_remote_assignor.map(|a| a.name()), Some("range"));
    prints_back(&consumer(
        "group.id=g group.protocol=consumer group.remote.assignor=range",
    ));
    let ok = "cluster brokers=3 group.consumer.session.timeout.ms=50000 \
              group.consumer.heartbeat.interval.ms=10000 group.consumer.assignors=range,uniform\n\
              topic t partitions=3\nrun 1s\n";
    let spec = parse(ok).expect("valid broker keys").spec;
    assert_eq!(
        spec.cluster.config.group.consumer_session_timeout_ms,
        50_000
    );
    for (pairs, want) in [
        (
            "group.consumer.session.timeout.ms=10000",
            "must be between group.consumer.min.session.timeout.ms (45000)",
        ),
        (
            "group.consumer.heartbeat.interval.ms=20000",
            "group.consumer.max.heartbeat.interval.ms (15000)",
        ),
        (
            "group.consumer.min.session.timeout.ms=5000 group.consumer.session.timeout.ms=5000",
            "group.consumer.heartbeat.interval.ms (5000) must be less than",
        ),
        (
            "group.consumer.assignors=sticky",
            "`uniform` and/or `range`",
        ),
        ("group.consumer.heartbeat.interval.ms=0", "greater than 0"),
    ] {
        let e = one_error(&format!(
            "cluster brokers=3 {pairs}\ntopic t partitions=3\nrun 1s\n"
        ));
        assert!(e.message.contains(want), "{pairs}: {}", e.message);
    }
}

#[test]
fn wrong_group_values_are_refused_with_kafkas_reason() {
    let cases = [
        (
            "group.id=g group.protocol=consumer session.timeout.ms=10000",
            "session.timeout.ms cannot be set when group.protocol=CONSUMER",
        ),
        (
            "group.id=g group.protocol=consumer partition.assignment.strategy=range",
            "partition.assignment.strategy cannot be set when group.protocol=CONSUMER",
        ),
        (
            "group.id=g group.protocol=consumer heartbeat.interval.ms=1000",
            "heartbeat.interval.ms cannot be set when group.protocol=CONSUMER",
        ),
        (
            "group.id=g group.remote.assignor=uniform",
            "group.remote.assignor cannot be set when group.protocol=CLASSIC",
        ),
        (
            "group.id=g group.protocol=consumer group.remote.assignor=sticky",
            "Supported assignors: uniform, range",
        ),
        ("group.protocol=eager", "`classic` or `consumer`"),
        (
            "group.id=g heartbeat.interval.ms=45000",
            "must be lower than session.timeout.ms",
        ),
        ("enable.auto.commit=true", "default group id (null)"),
        ("group.instance.id=i1", "needs a group.id"),
        (
            "group.id=g partition.assignment.strategy=foo",
            "none of Kafka's four",
        ),
        ("group.id=g session.timeout.ms=2147483648", "2147483647"),
        ("group.id=g max.poll.interval.ms=0", "greater than 0"),
        (
            "group.id=g auto.offset.reset=by_duration:PT1H",
            "not modelled",
        ),
        ("group.id=g enable.auto.commit=yes", "`true` or `false`"),
    ];
    for (pairs, want) in cases {
        let e = one_error(&consumer(pairs));
        assert!(e.message.contains(want), "{pairs}: {}", e.message);
        assert_eq!(e.line, 3, "{pairs}");
    }
    let cluster =
        |pairs: &str| format!("cluster brokers=3 {pairs}\ntopic t partitions=1\nrun 1s\n");
    let e = one_error(&cluster("offsets.topic.num.partitions=0"));
    assert!(e.message.contains("greater than 0"), "{}", e.message);
    let e = one_error(&cluster("offsets.topic.replication.factor=40000"));
    assert!(e.message.contains("32767"), "{}", e.message);
}

#[test]
fn consumer_faults_and_group_expectations_name_what_exists() {
    let base = "topic t partitions=3\nproducer p1 topic=t\nconsumer c1 topic=t group.id=g\n";
    let ok = format!(
        "{base}at 1s crash consumer c1\nat 2s restart consumer c1\nat 3s stop consumer c1\nrun 5s\n\
         expect committed(g, t-0) >= 0\nexpect lag(g, t-1) != none\nexpect group_state(g) == Stable\n\
         expect generation(g) >= 1\nexpect group_members(g) == 1\nexpect processed_twice(g) == 0\n\
         expect leader(__consumer_offsets-3) != none\nexpect assignment(g, c1) == {{t-1, t-0}}\n"
    );
    parse(&ok).expect("valid");
    let cases = [
        (
            "run 1s\nexpect assignment(g, c1) == {t-9}\n",
            "does not exist",
        ),
        (
            "run 1s\nexpect assignment(g, c1) > {t-0}\n",
            "set of partitions",
        ),
        (
            "run 1s\nexpect assignment(g) == {}\n",
            "takes 2 argument(s)",
        ),
        ("at 1s crash consumer p1\nrun 1s\n", "is a producer"),
        ("at 1s restart consumer c9\nrun 1s\n", "no consumer `c9`"),
        (
            "run 1s\nexpect committed(h, t-0) == 1\n",
            "no consumer has group.id=h",
        ),
        ("run 1s\nexpect committed(g) == 1\n", "takes 2 argument(s)"),
        (
            "run 1s\nexpect group_state(g) == Stabel\n",
            "not a group state",
        ),
        (
            "run 1s\nexpect group_state(g) > Stable\n",
            "compare it with `==` or `!=`",
        ),
        (
            "run 1s\nexpect lag(g, t-0) >= none\n",
            "`none` compares with",
        ),
        (
            "run 1s\nexpect leader(__consumer_offsets-50) != none\n",
            "partitions 0..49",
        ),
    ];
    for (tail, want) in cases {
        let e = one_error(&format!("{base}{tail}"));
        assert!(e.message.contains(want), "{tail}: {}", e.message);
    }
    // Without a group there is no __consumer_offsets.
    let e = one_error(
        "topic t partitions=1\nconsumer c1 topic=t\nrun 1s\nexpect leader(__consumer_offsets-0) == 1\n",
    );
    assert!(
        e.message.contains("no `__consumer_offsets`"),
        "{}",
        e.message
    );
}

#[test]
fn group_keys_and_consumer_faults_print_back_to_the_same_spec() {
    let src = "cluster brokers=3 offsets.topic.num.partitions=5 group.initial.rebalance.delay.ms=0\n\
               topic t partitions=3\nproducer p1 topic=t\n\
               consumer c1 topic=t group.id=g partition.assignment.strategy=roundrobin,StickyAssignor \
               group.instance.id=i1 enable.auto.commit=false auto.offset.reset=none\n\
               at 1s crash consumer c1\nat 2s restart consumer c1\nat 3s stop consumer c1\nrun 5s\n";
    let text = prints_back(src);
    assert!(text.contains(
        "partition.assignment.strategy=org.apache.kafka.clients.consumer.RoundRobinAssignor,\
         org.apache.kafka.clients.consumer.StickyAssignor"
    ));
}

/// `offsets.topic.num.partitions` is a Kafka int: two billion partitions of `__consumer_offsets`
/// are refused by the run budget before anything is allocated (they once were not counted).
#[test]
fn a_huge_offsets_topic_is_refused_by_the_budget() {
    let src = "cluster brokers=3 offsets.topic.num.partitions=2000000000\n\
               topic t partitions=1\nproducer p1 topic=t\nconsumer c1 topic=t group.id=g\nrun 1s\n";
    let e = one_error(src);
    assert!(
        e.message.starts_with(khafka_scenario::TOO_LARGE),
        "{}",
        e.message
    );
    // Without a group the topic is not created, and the same key costs nothing.
    let src = "cluster brokers=3 offsets.topic.num.partitions=2000000000\n\
               topic t partitions=1\nproducer p1 topic=t\nconsumer c1 topic=t\nrun 1s\n";
    parse(src).expect("no group, no __consumer_offsets");
}

/// A group coordinator's loads read every shard of its broker: thousands of `__consumer_offsets`
/// partitions per broker did work growing with their square (30,000 on 3 brokers and a shutdown
/// stopped at the bound on partitions read after 2.4 simulated seconds). Past 4,000 per broker
/// they are refused before the run.
#[test]
fn offsets_partitions_per_broker_are_bounded() {
    let src = |n: u32| {
        format!(
            "cluster brokers=3 offsets.topic.num.partitions={n}\n\
             topic t partitions=1\nconsumer c1 topic=t group.id=g\nrun 1s\n"
        )
    };
    let e = one_error(&src(12_001));
    assert!(
        e.message.contains("offsets.topic.num.partitions=12001 is more than the simulator takes with 3 brokers: at most 12000"),
        "{}",
        e.message
    );
    parse(&src(12_000)).expect("4,000 per broker");
}

/// `offsets.topic.replication.factor` is a Kafka short: its bound is named whatever the
/// number's size (past an int it used to name the int's).
#[test]
fn the_offsets_topic_replication_factor_is_a_short() {
    for v in ["32768", "2147483648"] {
        let e = one_error(&format!(
            "cluster offsets.topic.replication.factor={v}\ntopic t\nrun 1s\n"
        ));
        assert!(
            e.message.contains("at most 32767 (Kafka's short)"),
            "{}",
            e.message
        );
    }
}

/// The poll loop's keys, `seek` and `reset-offsets`: values in range, mistakes at their place,
/// and the printed scenario parses to the same spec.
#[test]
fn commits_seek_and_reset_offsets_parse_and_print_back() {
    let src = "topic t partitions=3\nproducer p1 topic=t\n\
               consumer c1 topic=t group.id=g enable.auto.commit=false sim.commit=async \
               sim.commit.when=before-processing sim.processing.time.ms=5 default.api.timeout.ms=1000\n\
               at 1s seek consumer c1 t-2 42\nat 2s seek consumer c1 t-0 beginning\n\
               at 3s seek consumer c1 t-1 end\nat 4s reset-offsets g t to-earliest\n\
               at 4s reset-offsets g t:1 shift-by=-5 dry-run\nat 4s reset-offsets g t to-offset=9\n\
               at 4s reset-offsets g t to-datetime=1500ms\nat 4s reset-offsets g t:0 to-current\n\
               at 4s reset-offsets g t to-latest execute\nrun 5s\n\
               expect never_processed(g) == 0\nexpect commits_failed(g) == 0\n\
               expect truncations_detected(g) == 0\nexpect log_truncation_exceptions(g) == 0\n";
    prints_back(src);
    let base = "topic t partitions=3\ntopic u partitions=1\nproducer p1 topic=t\nconsumer c1 topic=t group.id=g\n";
    // `(line, what the error says, the text it points at)`.
    let cases = [
        (
            "at 1s seek consumer c1 u-0 1",
            "reads topic `t`, not `u`",
            "u-0",
        ),
        ("at 1s seek consumer c1 t-7 1", "does not exist", "t-7"),
        (
            "at 1s seek consumer c1 t-0 first",
            "`beginning` or `end`",
            "first",
        ),
        ("at 1s seek c1 t-0 1", "expected `consumer`", "c1"),
        (
            "at 1s seek consumer c1 t-0",
            "needs a consumer, a partition",
            "seek",
        ),
        (
            "at 1s reset-offsets h t to-earliest",
            "no consumer has group.id=h",
            "h ",
        ),
        ("at 1s reset-offsets g v to-earliest", "unknown topic", "v "),
        (
            "at 1s reset-offsets g t:9 to-earliest",
            "does not exist",
            "t:9",
        ),
        (
            "at 1s reset-offsets g t to-erliest",
            "did you mean `to-earliest`",
            "to-erliest",
        ),
        (
            "at 1s reset-offsets g t shift-by=x",
            "Kafka's long",
            "shift-by",
        ),
        (
            "at 1s reset-offsets g t to-offset",
            "needs a value",
            "to-offset",
        ),
        (
            "at 1s reset-offsets g t to-latest now",
            "unexpected `now`",
            "now",
        ),
    ];
    for (line, want, at) in cases {
        let e = one_error(&format!("{base}{line}\nrun 1s\n"));
        let said = format!("{} / {:?}", e.message, e.hint);
        assert!(said.contains(want), "{line}: {said}");
        let column = line.find(at).expect("the needle") as u32 + 1;
        assert_eq!((e.line, e.column), (5, column), "{line}: {said}");
    }
    for (pairs, want) in [
        ("group.id=g sim.processing.time.ms=60001", "at most 60000"),
        ("group.id=g sim.commit=maybe", "`none`, `sync`"),
        ("group.id=g sim.commit.when=later", "`after-processing`"),
        ("sim.commit=sync", "needs a group.id"),
        ("sim.processing.time.ms=3", "group members only"),
        ("group.id=g default.api.timeout.ms=2147483648", "2147483647"),
    ] {
        let e = one_error(&consumer(pairs));
        assert!(e.message.contains(want), "{pairs}: {}", e.message);
    }
}

/// `topic=a,b` subscribes to several topics (`KafkaConsumer.subscribe(List)`): each name is
/// checked at its own place, named once, and the list prints back; a seek names a partition of
/// any of them.
#[test]
fn a_consumer_subscribes_to_several_topics() {
    let base =
        "topic t partitions=3\ntopic u partitions=2\ntopic w partitions=1\nproducer p1 topic=t\n";
    let spec = parse(&format!(
        "{base}consumer c1 topic=t,u group.id=g\nat 1s seek consumer c1 u-1 0\nrun 2s\n"
    ))
    .expect("valid")
    .spec;
    assert_eq!(spec.consumers[0].topics().collect::<Vec<_>>(), ["t", "u"]);
    let text = prints_back(&format!("{base}consumer c1 topic=t,u group.id=g\nrun 1s\n"));
    assert!(text.contains("consumer c1 topic=t,u"), "{text}");
    // `consumer c1 topic=` is 18 characters: the value starts at column 19.
    for (value, want, column) in [
        ("t,v", "unknown topic `v`", 21),
        ("t,u,t", "topic `t` is listed twice", 23),
        ("t,,u", "an empty topic name", 19),
    ] {
        let e = one_error(&format!(
            "{base}consumer c1 topic={value} group.id=g\nrun 1s\n"
        ));
        let said = format!("{} / {:?}", e.message, e.hint);
        assert!(said.contains(want), "{value}: {said}");
        assert_eq!((e.line, e.column), (5, column), "{value}: {said}");
    }
    let e = one_error(&format!(
        "{base}consumer c1 topic=t,u group.id=g\nat 1s seek consumer c1 w-0 0\nrun 1s\n"
    ));
    assert!(
        e.message.contains("reads topics `t`, `u`, not `w`"),
        "{}",
        e.message
    );
}

/// A group that never committed has no lag to report (`kafka-consumer-groups` prints "-"), nor
/// one no coordinator has loaded: a prediction over it says which, rather than a bare "none".
#[test]
fn a_lag_without_a_number_says_why() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/scenarios/semantics/offsets-topic-needs-enough-brokers.khafka"
    ))
    .unwrap();
    let s = parse(&format!(
        "{src}expect lag(g, t-0) < 1000\nexpect lag(g, t-0) == none\n"
    ))
    .unwrap();
    let mut sim = khafka_sim::Sim::with_options(s.spec.clone(), s.sim_options());
    sim.run_until(s.spec.run_for);
    let outcome = sim.outcome();
    let results: Vec<(bool, String)> = s
        .expects
        .iter()
        .rev()
        .take(2)
        .map(|e| {
            let r = e.evaluate(&outcome);
            (r.passed, r.actual)
        })
        .collect();
    // Here no broker can host __consumer_offsets: no coordinator, which is not "nothing
    // committed".
    let none = "none: no coordinator has the group loaded".to_string();
    assert_eq!(results, vec![(true, none.clone()), (false, none)]);
    // A Stable group whose member never commits.
    let s = parse(
        "cluster brokers=3\ntopic t partitions=1\nproducer p1 topic=t\nconsumer c1 topic=t \
         group.id=g enable.auto.commit=false\nrun 10s\nexpect lag(g, t-0) < 1000\n",
    )
    .unwrap();
    let mut sim = khafka_sim::Sim::with_options(s.spec.clone(), s.sim_options());
    sim.run_until(s.spec.run_for);
    let r = s.expects[0].evaluate(&sim.outcome());
    assert_eq!(
        (r.passed, r.actual.as_str()),
        (false, "none: no committed offset")
    );
    // Members that reset to earliest: the group view counts the lag from the log start (its
    // `N*`), and the expectation's actual says so (walk 12).
    let s = parse(
        "cluster brokers=3\ntopic t partitions=1\nproducer p1 topic=t\nconsumer c1 topic=t \
         group.id=g enable.auto.commit=false auto.offset.reset=earliest\nrun 10s\n\
         expect lag(g, t-0) < 1000\n",
    )
    .unwrap();
    let mut sim = khafka_sim::Sim::with_options(s.spec.clone(), s.sim_options());
    sim.run_until(s.spec.run_for);
    let outcome = sim.outcome();
    let view = outcome.group("g").unwrap().partitions[0].clone();
    let n = view
        .unread_from_log_start
        .expect("counted from the log start");
    assert_eq!(n, view.log_end_offset);
    let r = s.expects[0].evaluate(&outcome);
    assert_eq!(
        r.actual,
        format!("none: no committed offset ({n} unread from the log start, the group view's {n}*)")
    );
}
