//! `streams` lines and faults: Kafka Streams' config keys with Kafka's types, ranges and messages,
//! the clients an instance brings, and the round trip through the printer.

#![cfg(feature = "groups")]

use khafka_scenario::{parse, ParseError};

fn errors(src: &str) -> Vec<ParseError> {
    match parse(src) {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(e) => e.0,
    }
}

fn one_error(src: &str) -> ParseError {
    let mut e = errors(src);
    assert_eq!(e.len(), 1, "one error expected: {e:#?}");
    e.remove(0)
}

/// Every line is in the topology's description.
fn assert_describes(d: &str, lines: &[&str]) {
    for line in lines {
        assert!(d.contains(line), "{line} in\n{d}");
    }
}

fn app(pairs: &str) -> String {
    format!(
        "topic views partitions=3\ntopic counts partitions=3\nproducer p topic=views keys=page-0..9\n\
         streams s1 application.id=counter input=views output=counts {pairs}\nrun 1s\n"
    )
}

#[test]
fn an_instance_brings_kafka_streams_clients_and_a_changelog() {
    let s = parse(&app("commit.interval.ms=1000 statestore.cache.max.bytes=0")).expect("valid");
    let spec = &s.spec;
    assert_eq!(spec.streams.len(), 1);
    let names: Vec<&str> = spec.consumers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["s1-consumer", "s1-restore-consumer"]);
    let main = &spec.consumers[0].config;
    assert_eq!(main.group.group_id.as_deref(), Some("counter"));
    assert_eq!(main.group.enable_auto_commit, Some(false));
    assert_eq!(main.group.streams_commit_interval_ms, Some(1000));
    assert!(spec.consumers[1].config.manual_assignment);
    let p = spec
        .producers
        .iter()
        .find(|p| p.name == "s1-producer")
        .expect("producer");
    assert_eq!(p.topic, "counts");
    assert_eq!(p.rate_per_ks, 0);
    // The producer writes counts under the input's keys.
    assert_eq!(p.keys, spec.producers[0].keys);
    let changelog = spec.topics.last().expect("changelog");
    assert_eq!(
        changelog.name,
        "counter-KSTREAM-AGGREGATE-STATE-STORE-0000000001-changelog"
    );
    assert_eq!(changelog.partitions, 3);
    assert_eq!(
        changelog.config.get("cleanup.policy").as_deref(),
        Some("compact")
    );
    assert_eq!(p.changelog.as_deref(), Some(changelog.name.as_str()));
}

#[test]
fn two_instances_of_one_application_share_the_changelog() {
    let src = app("").replace(
        "run 1s",
        "streams s2 application.id=counter input=views output=counts start=5s\nrun 1s",
    );
    let spec = parse(&src).expect("valid").spec;
    assert_eq!(spec.topics.len(), 3, "views, counts and one changelog");
    assert_eq!(spec.consumers.len(), 4);
    assert_eq!(spec.producers.len(), 3);
}

#[test]
fn the_printer_writes_the_streams_line_back() {
    let src = app("commit.interval.ms=1000 statestore.cache.max.bytes=0 start=2s").replace(
        "run 1s",
        "at 3s crash streams s1\nat 4s restart streams s1\nrun 5s",
    );
    let spec = parse(&src).expect("valid").spec;
    let text = khafka_scenario::print::scenario(&spec);
    assert!(
        text.contains("streams s1 application.id=counter input=views output=counts commit.interval.ms=1000 statestore.cache.max.bytes=0 start=2s"),
        "{text}"
    );
    assert!(!text.contains("s1-consumer"), "{text}");
    assert!(!text.contains("changelog"), "{text}");
    assert!(text.contains("crash streams s1") && text.contains("restart streams s1"));
    let again = parse(&text).expect("printed text parses").spec;
    assert_eq!(again, spec, "{text}");
}

#[test]
fn required_keys_are_named() {
    let e = errors("topic v\ntopic c\nstreams s1 input=v output=c\nrun 1s\n");
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].message, "`streams` needs `application.id=`");
    let e = one_error("streams application.id=a\nrun 1s\n");
    assert_eq!(e.message, "`streams` needs a name");
}

#[test]
fn an_unknown_key_is_refused_not_ignored() {
    // A misspelt key gets the closest one.
    let e = one_error(&app("commit.intervall.ms=100"));
    assert_eq!(
        e.message,
        "unknown config `commit.intervall.ms` for a `streams` line"
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("did you mean `commit.interval.ms`?")
    );
    // A client config Kafka Streams would pass on: the simulator's clients use the defaults, so
    // the line says so instead of running with a setting it never applied.
    let e = one_error(&app("session.timeout.ms=6000"));
    assert_eq!(
        e.message,
        "unknown config `session.timeout.ms` for a `streams` line"
    );
    assert!(
        e.hint
            .as_deref()
            .is_some_and(|h| h.contains("its clients run with Kafka Streams' defaults")),
        "{:?}",
        e.hint
    );
}

#[test]
fn processing_guarantee_takes_kafkas_values() {
    let e = one_error(&app("processing.guarantee=exactly_once"));
    assert_eq!(
        e.message,
        "Invalid value exactly_once for configuration processing.guarantee: String must be one of: at_least_once, exactly_once_v2"
    );
    // Kafka's exactly-once needs transactions, which are not modelled: refused, and said so.
    let e = one_error(&app("processing.guarantee=exactly_once_v2"));
    assert!(e.message.contains("transactions"), "{}", e.message);
    parse(&app("processing.guarantee=at_least_once")).expect("the default");
}

#[test]
fn numbers_have_kafkas_ranges_and_the_simulators_bounds() {
    let e = one_error(&app("commit.interval.ms=-1"));
    assert!(e.message.contains("-1"), "{}", e.message);
    let e = one_error(&app("commit.interval.ms=3600001"));
    assert!(e.message.contains("limit"), "{}", e.message);
    parse(&app("commit.interval.ms=0")).expect("0: commit every loop");
    let e = one_error(&app("replication.factor=0"));
    assert!(e.message.contains("at least -1"), "{}", e.message);
    let e = one_error(&app("statestore.cache.max.bytes=9223372036854775808"));
    assert!(e.message.contains("long"), "{}", e.message);
    let e = one_error(&app("num.stream.threads=2"));
    assert!(e.message.contains("one stream thread"), "{}", e.message);
    let e = one_error(&app("num.standby.replicas=1"));
    assert!(e.message.contains("standby"), "{}", e.message);
    let e = one_error(&app("sim.processing.time.ms=60001"));
    assert!(e.message.contains("60000"), "{}", e.message);
}

#[test]
fn application_id_takes_topic_name_characters() {
    let e = one_error(&app("").replace("application.id=counter", "application.id=a/b"));
    assert!(e.message.contains("`/`"), "{}", e.message);
}

#[test]
fn names_and_topics_are_checked() {
    // The instance's clients take names of the scenario's node namespace.
    let src = app("").replace("producer p ", "producer s1-producer ");
    let e = one_error(&src);
    assert_eq!(e.message, "there is already a client named `s1-producer`");
    let e = one_error(&app("").replace("output=counts", "output=cuonts"));
    assert!(e.message.contains("cuonts"), "{}", e.message);
    let e = one_error(&app("").replace("run 1s", "at 1s crash streams s2\nrun 1s"));
    assert_eq!(e.message, "no streams instance `s2`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `s1`?"));
}

#[test]
fn input_producers_must_share_a_key_set() {
    let src = app("").replace(
        "streams s1",
        "producer q topic=views keys=user-0..4\nstreams s1",
    );
    let e = one_error(&src);
    assert!(e.message.contains("different sets"), "{}", e.message);
    // A producer without keys writes records the count skips: it has no key set to agree with.
    let src = app("").replace("streams s1", "producer q topic=views\nstreams s1");
    parse(&src).expect("a keyless producer beside a keyed one");
}

#[test]
fn streams_metrics_read_the_outcome() {
    let src = app("").replace(
        "run 1s",
        "run 1s\nexpect counted_twice == 0\nexpect not_counted >= 0\nexpect restored_records == 0\nexpect dropped_records == 0\nexpect counted_keys <= 10",
    );
    parse(&src).expect("valid expectations");
    let e = one_error(&app("").replace("run 1s", "run 1s\nexpect counted_twice(s1) == 0"));
    assert!(e.message.contains("no arguments"), "{}", e.message);
}

#[test]
fn a_windowed_count_takes_kafkas_windows_and_refuses_what_kafka_refuses() {
    use khafka_sim::config::streams::Windows;
    let s = parse(&app(
        "window=hopping size=1m advance=10s grace=5s emit=onWindowClose",
    ))
    .expect("valid");
    let w = s.spec.streams[0].windowing.expect("windowed");
    assert_eq!(
        w.windows,
        Windows::Time {
            size: 60_000,
            advance: 10_000
        }
    );
    assert_eq!(w.grace_ms, 5_000);
    assert!(w.on_window_close);
    let printed = khafka_scenario::print::scenario(&s.spec);
    assert!(
        printed.contains(
            "window=hopping size=60000ms advance=10000ms grace=5000ms emit=onWindowClose"
        ),
        "{printed}"
    );
    assert_eq!(parse(&printed).expect("reprints").spec, s.spec);
    for w in [
        "window=session gap=30s",
        "window=sliding difference=10s grace=1s",
        "window=tumbling size=1m",
    ] {
        let s = parse(&app(w)).expect(w);
        let printed = khafka_scenario::print::scenario(&s.spec);
        assert_eq!(parse(&printed).expect("reprints").spec, s.spec, "{printed}");
    }
    // Window and session stores' changelogs are `compact,delete`, kept a day past the store's
    // retention (`WindowedChangelogTopicConfig`, `windowstore.changelog.additional.retention.ms`).
    let changelog = s.spec.topics.last().expect("changelog");
    assert_eq!(
        changelog.config.get("cleanup.policy").as_deref(),
        Some("compact,delete")
    );
    assert_eq!(
        changelog.config.get("retention.ms").as_deref(),
        Some("86465000")
    );
    // `TimeWindows.advanceBy`'s own message.
    let e = one_error(&app("window=hopping size=10s advance=20s"));
    assert!(
        e.message.contains(
            "Window advancement interval should be more than zero and less than window duration"
        ),
        "{}",
        e.message
    );
    // khafka's own bound, as `khafka windows` has it: a record in at most 10,000 hopping windows
    // (an hour advancing by a millisecond would put each record in 3.6 million).
    let e = one_error(&app("window=hopping size=1h advance=1ms"));
    assert!(
        e.message
            .contains("a record would fall in 3600000 hopping windows")
            && e.hint.as_deref().is_some_and(|h| h.contains("size/10000")),
        "{e:?}"
    );
    assert!(parse(&app("window=hopping size=10s advance=1ms")).is_ok());
    // A window whose retention overflows is refused for that, with no hint about `advance`.
    let e = one_error(&app("window=tumbling size=9223372036854775807ms grace=1ms"));
    assert!(
        e.message.contains("size + grace overflows a long") && e.hint.is_none(),
        "{e:?}"
    );
    let e = one_error(&app("window=tumbling gap=10s"));
    assert!(
        e.message
            .contains("tumbling windows take size, grace, not `gap`"),
        "{}",
        e.message
    );
    let e = one_error(&app("size=10s"));
    assert_eq!(e.message, "`size` needs `window=`");
    let e = one_error(&app("emit=onWindowClose"));
    assert_eq!(e.message, "`emit` needs `window=`");
    let e = one_error(&app("window=tumbling size=1m emit=final"));
    assert!(
        e.message
            .contains("expected `onWindowUpdate` or `onWindowClose`"),
        "{}",
        e.message
    );
}

#[test]
fn producers_stamp_records_late_within_bounds() {
    let s = parse(
        "topic views partitions=3\nproducer p topic=views keys=a,b lateness=5s..90s late=20%\nrun 1s\n",
    )
    .expect("valid");
    let l = s.spec.producers[0].lateness.expect("late");
    assert_eq!((l.min_ms, l.max_ms, l.late_ppm), (5_000, 90_000, 200_000));
    let printed = khafka_scenario::print::scenario(&s.spec);
    assert!(
        printed.contains("lateness=5000ms..90000ms late=20.0000%"),
        "{printed}"
    );
    assert_eq!(parse(&printed).expect("reprints").spec, s.spec);
    for (bad, want) in [
        (
            "lateness=90s..5s",
            "lateness range `90s..5s` goes from high to low",
        ),
        ("lateness=25h", "a record's lateness must be at most 24h"),
        (
            "lateness=1s late=120%",
            "expected a share of records such as `10%`",
        ),
        ("late=10%", "`late` needs `lateness=`"),
    ] {
        let e = one_error(&format!(
            "topic views partitions=3\nproducer p topic=views {bad}\nrun 1s\n"
        ));
        assert!(e.message.contains(want), "{bad}: {}", e.message);
    }
}

#[test]
fn producers_draw_values_from_a_bounded_set() {
    use khafka_sim::spec::KeySpec;
    let s = parse(
        "topic views partitions=3\nproducer p topic=views keys=user-0..9 values=page-0..19\nrun 1s\n",
    )
    .expect("valid");
    let p = &s.spec.producers[0];
    assert_eq!(
        p.values,
        KeySpec::Range {
            prefix: "page-".into(),
            lo: 0,
            hi: 19
        }
    );
    let printed = khafka_scenario::print::scenario(&s.spec);
    assert!(printed.contains("values=page-0..19"), "{printed}");
    assert_eq!(parse(&printed).expect("reprints").spec, s.spec);
    // Every value of the set is drawn, each about as often (a hash of the place in the workload).
    let mut seen = [0u32; 20];
    for id in 0..20_000 {
        let seq = khafka_sim::spec::WorkloadSeq(id);
        seen[khafka_sim::spec::value_index(&p.values, seq).expect("a value") as usize] += 1;
    }
    assert!(seen.iter().all(|&n| (850..1150).contains(&n)), "{seen:?}");
    for (bad, want) in [
        (
            "values=1..100 record.size=10",
            "`values` with `record.size`",
        ),
        ("values=a,b value=null", "`values` with `value`"),
        (
            "values=v-0..1000000",
            "holds 1000001 strings: at most 1000000",
        ),
        ("keys=u-0..99999999999", "holds 100000000000 strings"),
        ("values=a,,b", "empty value in the list"),
        ("values=v-9..3", "value range `v-9..3` is empty"),
    ] {
        let e = one_error(&format!(
            "topic views partitions=3\nproducer p topic=views {bad}\nrun 1s\n"
        ));
        assert!(e.message.contains(want), "{bad}: {}", e.message);
    }
}

/// `group.by=value` (`groupBy((k, v) -> v).count()`): Kafka Streams' names for the store, the
/// repartition topic and the nodes of its two sub-topologies (`StreamsGraphTest`'
/// `expectedComplexMergeOptimizeTopology` numbers them so), the repartition topic's config
/// (`RepartitionTopicConfig`), and the main consumer reading both topics.
#[test]
fn group_by_value_repartitions_through_an_internal_topic() {
    let src = "topic views partitions=3\ntopic counts partitions=3\n\
               producer p topic=views keys=user-0..9 values=page-0..4\n\
               streams s1 application.id=counter input=views output=counts group.by=value repartition.purge.interval.ms=5000\nrun 1s\n";
    let s = parse(src).expect("valid");
    let st = &s.spec.streams[0];
    assert!(st.group_by_value);
    assert_eq!(st.config.repartition_purge_interval_ms, 5_000);
    let names: Vec<&str> = s.spec.topics.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "views",
            "counts",
            "counter-KSTREAM-AGGREGATE-STATE-STORE-0000000002-changelog",
            "counter-KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition"
        ]
    );
    let r = &s.spec.topics[3].config.log;
    assert_eq!(r.retention_ms, Some(-1));
    assert_eq!(r.segment_bytes, Some(52_428_800));
    assert!(r.cleanup_policy.is_some_and(|p| p.delete && !p.compact));
    let main = &s.spec.consumers[0];
    assert_eq!(
        main.more_topics,
        ["counter-KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition"]
    );
    assert_eq!(main.config.group.streams_purge_interval_ms, Some(5_000));
    // The producer keys what it writes by the input's values.
    let producer = s
        .spec
        .producers
        .iter()
        .find(|p| p.name == "s1-producer")
        .expect("added");
    assert_eq!(producer.keys, s.spec.producers[0].values);
    let d = st.describe_topology();
    assert_describes(
        &d,
        &[
            "   Sub-topology: 0\n    Source: KSTREAM-SOURCE-0000000000 (topics: [views])\n      --> KSTREAM-KEY-SELECT-0000000001\n",
            "    Sink: KSTREAM-SINK-0000000004 (topic: KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition)\n      <-- KSTREAM-FILTER-0000000005\n",
            "  Sub-topology: 1\n    Source: KSTREAM-SOURCE-0000000006 (topics: [KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition])\n      --> KSTREAM-AGGREGATE-0000000003\n",
            "    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000002])\n      --> KTABLE-TOSTREAM-0000000007\n",
            "    Sink: KSTREAM-SINK-0000000008 (topic: counts)\n",
        ],
    );
    let printed = khafka_scenario::print::scenario(&s.spec);
    assert!(printed.contains(" group.by=value"), "{printed}");
    assert_eq!(parse(&printed).expect("reprints").spec, s.spec);
    for (bad, want) in [
        ("group.by=values", "expected `key` or `value`"),
        (
            "repartition.purge.interval.ms=1000",
            "needs a repartition topic",
        ),
        (
            "group.by=value repartition.purge.interval.ms=3600001",
            "the simulator's limit",
        ),
    ] {
        let e = one_error(&format!(
            "topic views partitions=3\ntopic counts partitions=3\nproducer p topic=views keys=u-0..9 values=a,b\n\
             streams s1 application.id=counter input=views output=counts {bad}\nrun 1s\n"
        ));
        assert!(e.message.contains(want), "{bad}: {}", e.message);
    }
    // The input's producers must draw values from one set.
    let e = one_error(&app("group.by=value"));
    assert!(
        e.message.contains("to draw their values from a set"),
        "{}",
        e.message
    );
}

/// `map=value,key` and `map=key,value`: `map(…).groupByKey().count()` names its node
/// `KSTREAM-MAP-0000000001` where `groupBy` has its key selector, and repartitions either way —
/// `KStreamImpl.map` marks the stream as possibly re-keyed — so `map=key,value` too gets a
/// repartition topic and two sub-topologies, with the producer keyed as the input is.
#[test]
fn a_map_before_group_by_key_repartitions_even_when_the_key_stays() {
    let src = |map: &str| {
        format!(
            "topic views partitions=3\ntopic counts partitions=3\n\
             producer p topic=views keys=user-0..9 values=page-0..4\n\
             streams s1 application.id=counter input=views output=counts map={map}\nrun 1s\n"
        )
    };
    use khafka_sim::config::streams::KeyValueMap;
    for (text, want, keys) in [
        ("value,key", KeyValueMap::ValueKey, "page-0..4"),
        ("key,value", KeyValueMap::KeyValue, "user-0..9"),
    ] {
        let s = parse(&src(text)).expect("valid");
        let st = &s.spec.streams[0];
        assert_eq!(st.map, Some(want));
        assert!(st.repartitioned() && !st.group_by_value);
        assert_eq!(st.keyed_by_value(), want == KeyValueMap::ValueKey);
        let names: Vec<&str> = s.spec.topics.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names[2..],
            [
                "counter-KSTREAM-AGGREGATE-STATE-STORE-0000000002-changelog",
                "counter-KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition"
            ],
            "{text}"
        );
        let producer = s
            .spec
            .producers
            .iter()
            .find(|p| p.name == "s1-producer")
            .expect("added");
        let printed = khafka_scenario::print::scenario(&s.spec);
        assert!(printed.contains(&format!(" map={text}")), "{printed}");
        assert_eq!(parse(&printed).expect("reprints").spec, s.spec);
        let mut k = String::new();
        producer.keys.write(0, &mut k);
        assert_eq!(k, keys.split("..").next().unwrap(), "{text}");
        let d = st.describe_topology();
        assert_describes(
            &d,
            &[
                "    Source: KSTREAM-SOURCE-0000000000 (topics: [views])\n      --> KSTREAM-MAP-0000000001\n",
                "    Processor: KSTREAM-MAP-0000000001 (stores: [])\n      --> KSTREAM-FILTER-0000000005\n      <-- KSTREAM-SOURCE-0000000000\n",
                "    Sink: KSTREAM-SINK-0000000004 (topic: KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition)\n",
                "    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000002])\n",
            ],
        );
    }
    for (bad, want) in [
        ("map=key", "expected `key,value` or `value,key`"),
        ("map=value,key group.by=value", "both change the key"),
    ] {
        let e = one_error(&src("value,key").replace("map=value,key", bad));
        assert!(e.message.contains(want), "{bad}: {}", e.message);
    }
    // A null value is not carried through the repartition topic: tombstones, and (the old key
    // becoming the value) records without a key, are refused.
    let tombstones = src("key,value").replace(
        "producer p topic=views keys=user-0..9 values=page-0..4\n",
        "producer p topic=views keys=user-0..9 values=page-0..4\nproducer d topic=views keys=user-0..9 value=null\n",
    );
    let e = one_error(&tombstones);
    assert!(
        e.message.contains("`map=` with the tombstones of `d`"),
        "{}",
        e.message
    );
    let keyless = src("value,key").replace(
        "producer p topic=views keys=user-0..9 values=page-0..4\n",
        "producer p topic=views keys=user-0..9 values=page-0..4\nproducer q topic=views values=page-0..4\n",
    );
    let e = one_error(&keyless);
    assert!(
        e.message.contains("the records of `q` have no key"),
        "{}",
        e.message
    );
    parse(&keyless.replace("map=value,key", "map=key,value"))
        .expect("a null key is skipped as usual");
    // `Long.parseLong(null)` throws: a sum or a maximum over tombstones is refused.
    for aggregate in ["sum", "max"] {
        let e = one_error(
            &tombstones
                .replace("values=page-0..4", "values=1..9")
                .replace("map=key,value", &format!("aggregate={aggregate}")),
        );
        assert!(
            e.message.contains("throws on the tombstones of `d`"),
            "{aggregate}: {}",
            e.message
        );
    }
    parse(&src("key,value").replace(
        "map=key,value",
        "map=key,value repartition.purge.interval.ms=1000",
    ))
    .expect("a map's repartition topic is purged too");
}

/// `filter=value>50`: `filter((k, v) -> Long.parseLong(v) > 50)` before the count, which takes
/// number 1 and so renames the store and its changelog; its operators and refusals.
#[test]
fn a_filter_comes_before_the_count() {
    use khafka_sim::config::streams::ValueFilter;
    let src = |filter: &str, values: &str| {
        format!(
            "topic views partitions=3\ntopic counts partitions=3\n\
             producer p topic=views keys=user-0..9 values={values}\n\
             streams s1 application.id=counter input=views output=counts filter={filter}\nrun 1s\n"
        )
    };
    for (text, values, want) in [
        ("value>50", "1..100", ValueFilter::Gt(50)),
        ("value>=-3", "1..100", ValueFilter::Ge(-3)),
        ("value<10", "1..100", ValueFilter::Lt(10)),
        ("value<=10", "1..100", ValueFilter::Le(10)),
        ("value==home", "home,cart", ValueFilter::Eq("home".into())),
        ("value!=home", "home,cart", ValueFilter::Ne("home".into())),
        (
            "key==user-3",
            "home,cart",
            ValueFilter::KeyEq("user-3".into()),
        ),
        (
            "key!=user-3",
            "home,cart",
            ValueFilter::KeyNe("user-3".into()),
        ),
    ] {
        let s = parse(&src(text, values)).expect("valid");
        assert_eq!(s.spec.streams[0].filter, Some(want), "{text}");
        let names: Vec<&str> = s.spec.topics.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names[2], "counter-KSTREAM-AGGREGATE-STATE-STORE-0000000002-changelog",
            "{text}"
        );
        let printed = khafka_scenario::print::scenario(&s.spec);
        assert!(printed.contains(&format!(" filter={text}")), "{printed}");
        assert_eq!(parse(&printed).expect("reprints").spec, s.spec);
    }
    for (filter, values, want) in [
        ("ky==a", "1..100", "it must start with `value` or `key`"),
        ("key>5", "1..100", "a key is compared with `==` or `!=`"),
        ("key==", "1..100", "compares the key with nothing"),
        ("value=>5", "1..100", "unknown comparison `=>`"),
        ("value>", "1..100", "compares the value with nothing"),
        ("value>5.5", "1..100", "not a whole number"),
        ("value>5", "home,cart", "need integer values"),
    ] {
        let e = one_error(&src(filter, values));
        assert!(e.message.contains(want), "{filter}: {}", e.message);
    }
    // The input's producers must draw values from a set, unless the filter reads the key.
    let e = one_error(&app("filter=value>5"));
    assert!(
        e.message.contains("`filter=` needs the producers"),
        "{}",
        e.message
    );
    // `filter((k, v) -> "page-3".equals(k))` counts one key, and the view's reference agrees.
    let spec = parse(
        &app("filter=key==page-3 statestore.cache.max.bytes=0").replace(
            "producer p topic=views keys=page-0..9",
            "producer p topic=views rate=100/s keys=page-0..9 stop=5s",
        ),
    )
    .expect("a filter on the key needs no values")
    .spec;
    let mut sim = khafka_sim::Sim::new(spec);
    sim.run_until(khafka_sim::SimTime::from_secs(8));
    let v = sim.streams_view().expect("streams");
    assert_eq!(v.filter.as_deref(), Some("key == page-3"));
    assert_eq!(v.keys.len(), 1);
    assert_eq!(v.keys[0].key, "page-3");
    assert!(v.keys[0].input > 20 && v.keys[0].output == Some(v.keys[0].input as i64));
    let stopped: u64 = v.instances.iter().map(|i| i.filtered).sum();
    assert_eq!(stopped + v.keys[0].input, 500);
    // Before a `groupBy`: the filter takes number 1, so the key selector is 2 and the store 3,
    // which renames the repartition topic too.
    let s = parse(&src("value==b group.by=value", "a,b,c")).expect("valid");
    let names: Vec<&str> = s.spec.topics.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names[2..],
        [
            "counter-KSTREAM-AGGREGATE-STATE-STORE-0000000003-changelog",
            "counter-KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition"
        ]
    );
    let d = s.spec.streams[0].describe_topology();
    assert_describes(
        &d,
        &[
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [views])\n      --> KSTREAM-FILTER-0000000001\n",
            "    Processor: KSTREAM-FILTER-0000000001 (stores: [])\n      --> KSTREAM-KEY-SELECT-0000000002\n      <-- KSTREAM-SOURCE-0000000000\n",
            "    Processor: KSTREAM-KEY-SELECT-0000000002 (stores: [])\n      --> KSTREAM-FILTER-0000000006\n      <-- KSTREAM-FILTER-0000000001\n",
            "    Sink: KSTREAM-SINK-0000000005 (topic: KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition)\n      <-- KSTREAM-FILTER-0000000006\n",
            "    Source: KSTREAM-SOURCE-0000000007 (topics: [KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition])\n      --> KSTREAM-AGGREGATE-0000000004\n",
            "    Processor: KSTREAM-AGGREGATE-0000000004 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000003])\n      --> KTABLE-TOSTREAM-0000000008\n",
            "    Sink: KSTREAM-SINK-0000000009 (topic: counts)\n      <-- KTABLE-TOSTREAM-0000000008\n",
        ],
    );
    let printed = khafka_scenario::print::scenario(&s.spec);
    assert_eq!(parse(&printed).expect("reprints").spec, s.spec);
    // Before a sum: the filter takes number 1, `mapValues` 2, the store 3.
    let s = parse(&src("value>5 aggregate=sum", "1..100")).expect("valid");
    let d = s.spec.streams[0].describe_topology();
    assert_describes(
        &d,
        &[
            "      --> KSTREAM-FILTER-0000000001\n",
            "    Processor: KSTREAM-MAPVALUES-0000000002 (stores: [])\n      --> KSTREAM-REDUCE-0000000004\n      <-- KSTREAM-FILTER-0000000001\n",
            "    Processor: KSTREAM-REDUCE-0000000004 (stores: [KSTREAM-REDUCE-STATE-STORE-0000000003])\n",
            "    Sink: KSTREAM-SINK-0000000006 (topic: counts)\n      <-- KTABLE-TOSTREAM-0000000005\n",
        ],
    );
}

/// `aggregate=max`: `mapValues(Long::parseLong).groupByKey().aggregate(() -> 0L, (k, v, max) ->
/// Math.max(max, v))`, named as `KGroupedStreamImpl.aggregate` names its store (first) and
/// processor; each key's output is the largest of its values, and 0 (the initializer) when none
/// is larger.
#[test]
fn a_maximum_aggregates_from_its_initializer() {
    use khafka_sim::{Sim, SimTime};
    let src = |values: &str| {
        format!(
            "topic views partitions=3\ntopic counts partitions=3\n\
             producer p topic=views rate=200/s keys=user-0..9 values={values} stop=5s\n\
             streams s1 application.id=counter input=views output=counts aggregate=max statestore.cache.max.bytes=0\nrun 10s\n"
        )
    };
    let s = parse(&src("1..100")).expect("valid");
    let st = &s.spec.streams[0];
    assert!(st.aggregate_max && !st.reduce_sum);
    assert_eq!(
        st.changelog_topic(),
        "counter-KSTREAM-AGGREGATE-STATE-STORE-0000000002-changelog"
    );
    assert_describes(
        &st.describe_topology(),
        &[
            "    Processor: KSTREAM-MAPVALUES-0000000001 (stores: [])\n      --> KSTREAM-AGGREGATE-0000000003\n",
            "    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000002])\n      --> KTABLE-TOSTREAM-0000000004\n",
        ],
    );
    let printed = khafka_scenario::print::scenario(&s.spec);
    assert!(printed.contains(" aggregate=max"), "{printed}");
    assert_eq!(parse(&printed).expect("reprints").spec, s.spec);
    // About 100 values of 1..100 per key: the largest is near 100, and the output says so.
    // Values all below 0: every key's maximum is the initializer's 0, as `Math.max` from `0L`.
    for (values, lowest, highest) in [("1..100", 85, 100), ("-9,-4", 0, 0)] {
        let mut sim = Sim::new(parse(&src(values)).expect("valid").spec);
        sim.run_until(SimTime::from_secs(10));
        let v = sim.streams_view().expect("streams");
        assert!(v.max && !v.sum);
        assert_eq!(v.keys.len(), 10, "{values}");
        for k in &v.keys {
            let top = k.input as i64;
            assert!(
                (lowest..=highest).contains(&top),
                "{values} {}: {top}",
                k.key
            );
            assert_eq!(k.output, Some(top), "{values} {}", k.key);
        }
        assert_eq!((v.overcount, v.undercount), (0, 0), "{values}");
    }
}

/// `aggregate=sum`: `mapValues(Long::parseLong).groupByKey().reduce(Long::sum)`, named as
/// `KGroupedStreamImpl.reduce` names its store and processor; integer values only.
#[test]
fn a_sum_reduces_integer_values_per_key() {
    let src = "topic views partitions=3\ntopic counts partitions=3\n\
               producer p topic=views keys=user-0..9 values=1..100\n\
               streams s1 application.id=counter input=views output=counts aggregate=sum\nrun 1s\n";
    let s = parse(src).expect("valid");
    let st = &s.spec.streams[0];
    assert!(st.reduce_sum);
    assert_eq!(
        st.changelog_topic(),
        "counter-KSTREAM-REDUCE-STATE-STORE-0000000002-changelog"
    );
    assert_describes(
        &st.describe_topology(),
        &[
            "    Processor: KSTREAM-MAPVALUES-0000000001 (stores: [])\n      --> KSTREAM-REDUCE-0000000003\n",
            "    Processor: KSTREAM-REDUCE-0000000003 (stores: [KSTREAM-REDUCE-STATE-STORE-0000000002])\n      --> KTABLE-TOSTREAM-0000000004\n",
            "    Sink: KSTREAM-SINK-0000000005 (topic: counts)\n",
        ],
    );
    let printed = khafka_scenario::print::scenario(&s.spec);
    assert!(printed.contains(" aggregate=sum"), "{printed}");
    assert_eq!(parse(&printed).expect("reprints").spec, s.spec);
    // A list of integers is numbers too; `page-0..9` is not.
    parse(&src.replace("values=1..100", "values=5,-3,12")).expect("integers");
    for (values, pairs, want) in [
        (
            "values=page-0..9",
            "aggregate=sum",
            "its producers need integer values",
        ),
        (
            "values=1..9",
            "aggregate=mean",
            "expected `count`, `sum` or `max`",
        ),
        (
            "values=a,b",
            "aggregate=max",
            "`aggregate=max` reads the values of `views` as numbers",
        ),
        (
            "values=1..9",
            "aggregate=max group.by=value",
            "`aggregate=max` works per key or per window and key",
        ),
        (
            "values=1..9",
            "aggregate=sum group.by=value",
            "not with a join, `group.by=value` or `map=`",
        ),
    ] {
        let e = one_error(&format!(
            "topic views partitions=3\ntopic counts partitions=3\nproducer p topic=views keys=u-0..9 {values}\n\
             streams s1 application.id=counter input=views output=counts {pairs}\nrun 1s\n"
        ));
        assert!(e.message.contains(want), "{values} {pairs}: {}", e.message);
    }
}

/// A windowed sum (`windowedBy(…).reduce(Long::sum)`): the reduce's names, a window store, and
/// each window's sum is the window's count times the value when every record carries the same
/// value (the same run as a windowed count, against it); nothing crashes, so the output equals
/// the reference in every window.
#[test]
fn a_windowed_sum_adds_the_values_of_the_windowed_counts_records() {
    use khafka_sim::{Sim, SimTime};
    let src = |aggregate: &str| {
        app(&format!(
            "{aggregate} window=hopping size=10s advance=5s grace=2s statestore.cache.max.bytes=0"
        ))
        .replace(
            "producer p topic=views keys=page-0..9",
            "producer p topic=views rate=50/s keys=page-0..9 values=7 lateness=0s..8s late=40% stop=30s",
        )
        .replace("run 1s", "run 40s")
    };
    let sum = parse(&src("aggregate=sum")).expect("a windowed sum").spec;
    let st = &sum.streams[0];
    assert_eq!(st.store(), "KSTREAM-REDUCE-STATE-STORE-0000000002");
    assert!(sum.topics.iter().any(|t| t.name
        == "counter-KSTREAM-REDUCE-STATE-STORE-0000000002-changelog"
        && t.config.log.cleanup_policy
            == Some(khafka_sim::config::CleanupPolicy {
                delete: true,
                compact: true
            })));
    let printed = khafka_scenario::print::scenario(&sum);
    assert_eq!(parse(&printed).expect("reprints").spec, sum);
    let view = |spec| {
        let mut sim = Sim::new(spec);
        sim.run_until(SimTime::from_secs(40));
        sim.streams_view().expect("streams")
    };
    let (sums, counts) = (
        view(sum),
        view(parse(&src("")).expect("a windowed count").spec),
    );
    assert!(sums.sum && !counts.sum);
    let (ws, wc) = (sums.windowed.unwrap(), counts.windowed.unwrap());
    assert!(ws.windows.len() > 20, "{}", ws.windows.len());
    assert_eq!(ws.windows.len(), wc.windows.len());
    for (s, c) in ws.windows.iter().zip(&wc.windows) {
        assert_eq!((&s.key, s.start, s.end), (&c.key, c.start, c.end));
        assert_eq!(
            s.reference,
            c.reference.map(|n| n * 7),
            "{}@{}",
            s.key,
            s.window
        );
        assert_eq!(s.output, s.reference, "{}@{}", s.key, s.window);
    }
    assert!(ws.reference_dropped > 0 && ws.reference_dropped == wc.reference_dropped);
    assert_eq!((sums.overcount, sums.undercount), (0, 0));
}

/// The streams view carries its reference run from one call to the next (a frame reads only the
/// input's new records): at every instant it equals the view of a run that was never viewed
/// before, and a clone taken mid-run (time travel's checkpoints) carries its own.
#[test]
fn the_windowed_view_read_frame_by_frame_equals_a_fresh_one() {
    use khafka_sim::{Sim, SimTime};
    let src = app("window=hopping size=10s advance=5s grace=2s statestore.cache.max.bytes=0")
        .replace(
            "producer p topic=views keys=page-0..9",
            "producer p topic=views rate=50/s keys=page-0..9 lateness=0s..8s late=40%",
        )
        .replace("run 1s", "run 40s");
    let spec = parse(&src).expect("valid").spec;
    let mut viewed = Sim::new(spec.clone());
    let mut checkpoint = None;
    for t in [3, 9, 17, 25, 40] {
        viewed.run_until(SimTime::from_secs(t));
        let mut fresh = Sim::new(spec.clone());
        fresh.run_until(SimTime::from_secs(t));
        let a = viewed.streams_view().expect("streams");
        assert_eq!(a, fresh.streams_view().expect("streams"), "at {t} s");
        assert!(a.windowed.as_ref().is_some_and(|w| !w.windows.is_empty()) || t < 9);
        if t == 17 {
            checkpoint = Some(viewed.clone());
        }
    }
    let mut back = checkpoint.expect("taken");
    back.run_until(SimTime::from_secs(30));
    let mut fresh = Sim::new(spec);
    fresh.run_until(SimTime::from_secs(30));
    assert_eq!(back.streams_view(), fresh.streams_view());
}

/// A windowed count after `groupBy` (`groupBy((k, v) -> v).windowedBy(…).count()`): the names of
/// the count per value (`TimeWindowedKStreamImpl.count` burns no name), the windows in
/// sub-topology 1. A crash makes sub-topology 0 write second copies of what it processes again;
/// the reference counts each input record once (its first copy), so the reference's windows add
/// up to the input's records, the output's exceed them by exactly the view's overcount, and the
/// view read frame by frame equals a fresh one.
#[test]
fn a_windowed_count_after_group_by_counts_second_copies_against_the_input() {
    use khafka_sim::{Sim, SimTime};
    let src = "topic views partitions=3\ntopic counts partitions=3\n\
               producer p topic=views rate=100/s keys=user-0..99 values=page-0..4 lateness=0s..20s late=30% stop=50s\n\
               streams s1 application.id=counter input=views output=counts group.by=value window=tumbling size=10s grace=1m commit.interval.ms=5000\n\
               streams s2 application.id=counter input=views output=counts group.by=value window=tumbling size=10s grace=1m commit.interval.ms=5000 start=2s\n\
               at 24s crash streams s1\nrun 120s\n";
    let spec = parse(src).expect("valid").spec;
    let st = &spec.streams[0];
    assert_eq!(st.store(), "KSTREAM-AGGREGATE-STATE-STORE-0000000002");
    assert_describes(
        &st.describe_topology(),
        &[
            "    Processor: KSTREAM-KEY-SELECT-0000000001 (stores: [])\n",
            "  Sub-topology: 1\n    Source: KSTREAM-SOURCE-0000000006 (topics: [KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition])\n      --> KSTREAM-AGGREGATE-0000000003\n",
        ],
    );
    // The changelog is a window store's (`compact,delete`, the store's retention and a day).
    let changelog = spec
        .topics
        .iter()
        .find(|t| t.name == "counter-KSTREAM-AGGREGATE-STATE-STORE-0000000002-changelog")
        .expect("created");
    assert_eq!(changelog.config.log.retention_ms, Some(70_000 + 86_400_000));
    let mut viewed = Sim::new(spec.clone());
    for t in [10, 26, 40, 70, 120] {
        viewed.run_until(SimTime::from_secs(t));
        let mut fresh = Sim::new(spec.clone());
        fresh.run_until(SimTime::from_secs(t));
        assert_eq!(viewed.streams_view(), fresh.streams_view(), "at {t} s");
    }
    let v = viewed.streams_view().expect("streams");
    let w = v.windowed.as_ref().expect("windowed");
    assert!(v.repartition.is_some());
    let input: u64 = (0..3)
        .map(|p| {
            viewed
                .outcome()
                .partition("views", p)
                .expect("a partition")
                .high_watermark
        })
        .sum();
    let sum = |f: fn(&khafka_sim::view::streams::WindowCount) -> Option<i64>| -> u64 {
        w.windows.iter().map(|c| f(c).unwrap_or(0) as u64).sum()
    };
    assert_eq!(w.reference_dropped, 0);
    assert_eq!(sum(|c| c.reference), input);
    assert!(
        v.overcount > 0 && v.undercount == 0,
        "{} {}",
        v.overcount,
        v.undercount
    );
    assert_eq!(sum(|c| c.output), input + v.overcount);
    // Each window and page: the output at least the reference (second copies only add).
    assert!(w.windows.iter().all(|c| c.output >= c.reference));
}

/// A count's update is forwarded and logged with the count's timestamp — the newest timestamp of
/// the records it counted (`KStreamAggregate`: `max(record, old aggregate)`) — not the instant
/// the instance's producer sent it: with every input record stamped 20 s before it was sent (0
/// in the first 20 s), every output and changelog record is stamped at least that much before its
/// own send, and exactly at
/// the newest input timestamp of its key so far. Windowed results carry their window's.
#[test]
fn streams_output_records_carry_the_counts_timestamps() {
    use khafka_sim::{Sim, SimTime};
    for pairs in [
        "statestore.cache.max.bytes=0",
        "window=tumbling size=10s grace=30s statestore.cache.max.bytes=0",
    ] {
        let src = app(pairs)
            .replace(
                "producer p topic=views keys=page-0..9",
                "producer p topic=views rate=20/s keys=page-0..9 lateness=20s..20s late=100%",
            )
            .replace("run 1s", "run 40s");
        let spec = parse(&src).expect("valid").spec;
        let mut sim = Sim::new(spec);
        sim.run_until(SimTime::from_secs(40));
        let prov = sim.provenance();
        let producer_of = |id| prov.producer_and_key(id).map(|(p, _)| p);
        let input = sim
            .spec()
            .producers
            .iter()
            .position(|p| p.name == "p")
            .unwrap() as u32;
        let mut newest: std::collections::BTreeMap<u32, u64> = Default::default();
        let mut outputs = 0;
        for id in 0..sim.records_sent() {
            let story = sim.record_story(id).expect("a story");
            let key = story.key.expect("keyed");
            if producer_of(id) == Some(input) {
                let e = newest.entry(key).or_default();
                *e = (*e).max(story.timestamp_ms);
                continue;
            }
            outputs += 1;
            assert!(
                story.timestamp_ms <= (story.sent_us / 1_000).saturating_sub(20_000),
                "{pairs}: record {id} stamped {} ms, sent at {} µs",
                story.timestamp_ms,
                story.sent_us
            );
            if !pairs.contains("window") {
                assert_eq!(
                    Some(&story.timestamp_ms),
                    newest.get(&key),
                    "{pairs}: record {id}"
                );
            }
        }
        assert!(outputs > 100, "{pairs}: {outputs} output records");
    }
}

fn join_app(pairs: &str, users_partitions: u32) -> String {
    format!(
        "topic clicks partitions=3\ntopic users partitions={users_partitions}\ntopic enriched partitions=3\n\
         producer web topic=clicks keys=user-0..9\nproducer profiles topic=users keys=user-0..9\n\
         streams s1 application.id=enricher input=clicks table=users output=enriched {pairs}\nrun 1s\n"
    )
}

/// `stream.join(table)`: the main consumer reads both topics, tasks are assigned whole, and the
/// table's store is change-logged under Kafka's names (`KStreamKTableJoinTest`).
#[test]
fn a_stream_table_join_reads_both_topics_and_logs_the_table() {
    let spec = parse(&join_app("", 3)).expect("valid").spec;
    let main = &spec.consumers[0];
    assert_eq!(main.topics().collect::<Vec<_>>(), ["clicks", "users"]);
    assert_eq!(
        main.config.group.partition_assignment_strategy,
        [khafka_sim::client::consumer::assignor::ClientAssignor::StreamTasks]
    );
    let changelog = spec.topics.last().expect("changelog");
    assert_eq!(
        changelog.name,
        "enricher-users-STATE-STORE-0000000001-changelog"
    );
    assert_eq!(
        changelog.config.get("cleanup.policy").as_deref(),
        Some("compact")
    );
    let st = &spec.streams[0];
    // The join comes from the stream's source (walk 6: it was printed as its own predecessor).
    assert!(st.describe_topology().contains(
        "Processor: KSTREAM-JOIN-0000000004 (stores: [users-STATE-STORE-0000000001])\n      \
         --> KSTREAM-SINK-0000000005\n      <-- KSTREAM-SOURCE-0000000000\n"
    ));
    let left = parse(&join_app("join=left", 3)).expect("valid").spec;
    assert!(left.streams[0].join.as_ref().is_some_and(|j| j.left));
    assert!(left.streams[0]
        .describe_topology()
        .contains("--> KSTREAM-LEFTJOIN-0000000004"));
}

#[test]
fn a_join_s_topics_must_be_co_partitioned() {
    let e = one_error(&join_app("", 6));
    assert_eq!(
        e.message,
        "TopologyException: Invalid topology: Topics not co-partitioned: [{clicks=3, users=6}]"
    );
}

#[test]
fn a_join_s_keys_options_and_bounds_are_checked() {
    let e = one_error(&join_app("", 3).replace(
        "producer profiles topic=users keys=user-0..9",
        "producer profiles topic=users keys=u-0..9",
    ));
    assert!(e.message.contains("joins keys of one set"), "{}", e.message);
    let e = one_error(&join_app("join=outer", 3));
    assert_eq!(
        e.message,
        "invalid value `outer` for `join`: expected `inner` or `left`"
    );
    let e = one_error(&app("join=left"));
    assert_eq!(e.message, "`join` needs `table=` or `stream=`");
    let e = one_error(&join_app("window=tumbling size=1s", 3));
    assert!(
        e.message.starts_with("an instance runs one topology"),
        "{}",
        e.message
    );
    let e = one_error(&join_app("max.task.idle.ms=-2", 3));
    assert_eq!(e.message, "max.task.idle.ms -2 is below -1");
    let e = one_error(&join_app("max.task.idle.ms=3600001", 3));
    assert!(e.message.contains("limit of 3600000"), "{}", e.message);
    let e = one_error(&join_app("max.task.idle.ms=soon", 3));
    assert_eq!(
        e.message,
        "Invalid value soon for configuration max.task.idle.ms: Not a number of type LONG"
    );
    let e = one_error(&join_app("", 3).replace("table=users", "table=clicks"));
    assert_eq!(
        e.message,
        "TopologyException: Invalid topology: Topic clicks has already been registered by another source."
    );
    let e = one_error(&join_app("", 3).replace("table=users", "table=people"));
    assert!(e.message.contains("people"), "{}", e.message);
}

#[test]
fn the_printer_writes_a_join_back() {
    let spec = parse(&join_app("join=left max.task.idle.ms=-1", 3))
        .expect("valid")
        .spec;
    let text = khafka_scenario::print::scenario(&spec);
    assert!(
        text.contains("streams s1 application.id=enricher input=clicks output=enriched max.task.idle.ms=-1 table=users join=left"),
        "{text}"
    );
    let again = parse(&text).expect("printed text parses").spec;
    assert_eq!(again, spec, "{text}");
}

/// A join result's story names the click and the profile it joined (`KStreamKTableJoinProcessor`
/// forwards the stream record with the table's value and the stream record's timestamp), and the
/// click's and the profile's stories name the result.
#[test]
fn a_join_result_s_story_names_the_records_it_joined() {
    use khafka_sim::{Sim, SimTime};
    let src = join_app("statestore.cache.max.bytes=0", 3)
        .replace(
            "producer web topic=clicks keys=user-0..9",
            "producer web topic=clicks rate=20/s keys=user-0..9 start=2s",
        )
        .replace(
            "producer profiles topic=users keys=user-0..9",
            "producer profiles topic=users rate=10/s keys=user-0..9",
        )
        .replace("run 1s", "run 20s");
    let spec = parse(&src).expect("valid").spec;
    let mut sim = Sim::new(spec);
    sim.run_until(SimTime::from_secs(20));
    let mut results = 0;
    for id in 0..sim.records_sent() {
        let story = sim.record_story(id).expect("a story");
        let Some((stream, table)) = story.join_of else {
            continue;
        };
        results += 1;
        let click = sim.record_story(stream).expect("the click's story");
        assert_eq!(click.producer, "web");
        assert_eq!(story.key, click.key, "the result keeps the click's key");
        assert_eq!(story.timestamp_ms, click.timestamp_ms, "and its timestamp");
        let profile = sim
            .record_story(table.expect("an inner join"))
            .expect("a profile");
        assert_eq!(profile.producer, "profiles");
        assert_eq!(profile.key, click.key);
        // Causality: the task read the profile before it sent the result.
        assert!(profile.sent_us < story.sent_us, "{story:?}");
        if click.joined_into.len() < 10 {
            // Dated when its instance sent it, and named by that instance.
            assert!(
                click.joined_into.iter().any(|j| j.result == id
                    && j.sent_us == story.sent_us
                    && format!("{}-producer", j.by) == story.producer),
                "{click:?}"
            );
        }
    }
    assert!(results > 200, "{results} join results");
}

/// A repartition record's story says which input record it is a copy of, and whether it is a
/// second copy: of the 1,227 records the windowed count after `groupBy` drops as late in
/// `streams-windowed-count-after-group-by-drops-second-copies-as-late.khafka`, 146 are second
/// copies (the reference, which counts first copies only, drops the other 1,081 too).
#[test]
fn a_repartition_copy_s_story_names_its_input_record_and_an_earlier_copy() {
    use khafka_sim::{Sim, SimTime};
    let path = format!(
        "{}/../../tests/scenarios/semantics/streams-windowed-count-after-group-by-drops-second-copies-as-late.khafka",
        env!("CARGO_MANIFEST_DIR")
    );
    let spec = parse(&std::fs::read_to_string(path).expect("the scenario"))
        .expect("valid")
        .spec;
    let mut sim = Sim::new(spec);
    sim.run_until(SimTime::from_secs(240));
    let late: Vec<_> = sim.late_records().map(|(id, _)| id).collect();
    assert_eq!(late.len(), 1_227);
    let (mut second, mut first) = (0, 0);
    for id in late {
        let story = sim.record_story(id).expect("a record");
        let copy = story.copy_of.expect("a repartition copy");
        assert!(copy.input.starts_with("page-views-"), "{copy:?}");
        let input = sim
            .record_story(copy.record.expect("in the input's log"))
            .expect("a view");
        assert_eq!(
            (input.timestamp_ms, &input.partition),
            (story.timestamp_ms, &copy.input)
        );
        match copy.earlier {
            Some(e) => {
                second += 1;
                let earlier = sim.record_story(e).expect("the first copy");
                assert_eq!(
                    earlier.copy_of.map(|c| (c.input, c.offset)),
                    Some((copy.input, copy.offset))
                );
            }
            None => first += 1,
        }
    }
    assert_eq!((first, second), (1_081, 146));
}

/// A restarted instance is a new `StreamThread`: its commit clock starts over, as at a first
/// start (`lastCommitMs` is 0, so its first `maybeCommit` is due at once). It joins at once, and
/// its commits are refused while the rebalance is in progress, until its assignment, which waits
/// for the crashed member's session to time out (about 54 s here): no commit comes before it.
/// (Kafka's first commit of processed records would then come a whole interval later: the turn
/// that carries the assignment has processed nothing of the new tasks, whose partitions stay
/// paused until that poll returns, so its due commit is empty and restarts the clock. The
/// simulator hands the new tasks' records out within that poll: docs/what-khafka-models.md.)
#[test]
fn a_restarted_instance_commits_nothing_before_its_assignment() {
    use khafka_sim::{Sim, SimTime};
    let src = app("commit.interval.ms=30000 statestore.cache.max.bytes=0")
        .replace(
            "producer p topic=views keys=page-0..9",
            "producer p topic=views rate=50/s keys=page-0..9",
        )
        .replace(
            "run 1s",
            "at 10s crash streams s1\nat 40s restart streams s1\nrun 120s",
        );
    let mut sim = Sim::new(parse(&src).expect("valid").spec);
    sim.run_until(SimTime::from_secs(120));
    let story = sim.member_story("s1-consumer").expect("a member");
    let commits: Vec<u64> = story
        .lines
        .iter()
        .filter(|(at, l)| *at >= 40_000_000 && l.starts_with("commitSync"))
        .map(|(at, _)| *at)
        .collect();
    // Processing starts after the rebalance that follows the old member's session timeout.
    assert!(!commits.is_empty(), "{:?}", story.lines);
    let assigned = story
        .lines
        .iter()
        .find(|(at, l)| *at >= 40_000_000 && l.contains("assigned"))
        .map(|(at, _)| *at)
        .expect("assigned after the restart");
    assert!(assigned > 50_000_000, "assigned at {assigned} µs");
    assert!(
        commits[0] >= assigned,
        "first commit at {} µs, assigned at {assigned} µs",
        commits[0]
    );
}

/// A filter before a join (`builder.stream(input).filter(…).join(…)`): it takes number 1, so the
/// table's store, the join processors and their stores move up by one (`join_name`); the
/// description lists it right after the stream's source. The stream records it stops join
/// nothing, in the run and in the reference, and the view's counts agree: every click that
/// passes is joined (or missing, yet), no result comes from one that fails.
#[test]
fn a_filter_before_a_join_moves_the_names_and_stops_stream_records() {
    use khafka_sim::{Sim, SimTime};
    let table = join_app("filter=value==buy statestore.cache.max.bytes=0", 3).replace(
        "producer web topic=clicks keys=user-0..9",
        "producer web topic=clicks rate=100/s keys=user-0..9 values=view,view,view,buy",
    );
    let spec = parse(&table.replace("run 1s", "run 20s"))
        .expect("valid")
        .spec;
    let st = &spec.streams[0];
    assert_eq!(st.store(), "users-STATE-STORE-0000000002");
    assert!(spec
        .topics
        .iter()
        .any(|t| t.name == "enricher-users-STATE-STORE-0000000002-changelog"));
    assert_describes(
        &st.describe_topology(),
        &[
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [clicks])\n      --> KSTREAM-FILTER-0000000001\n    \
             Processor: KSTREAM-FILTER-0000000001 (stores: [])\n      --> KSTREAM-JOIN-0000000005\n      <-- KSTREAM-SOURCE-0000000000\n    \
             Processor: KSTREAM-JOIN-0000000005 (stores: [users-STATE-STORE-0000000002])\n      --> KSTREAM-SINK-0000000006\n      <-- KSTREAM-FILTER-0000000001\n    \
             Source: KSTREAM-SOURCE-0000000003 (topics: [users])\n      --> KTABLE-SOURCE-0000000004\n",
        ],
    );
    let printed = khafka_scenario::print::scenario(&spec);
    assert_eq!(parse(&printed).expect("reprints").spec, spec);
    let mut sim = Sim::new(spec);
    sim.run_until(SimTime::from_secs(20));
    let v = sim.streams_view().expect("streams");
    let j = v.join.as_ref().expect("a join");
    assert_eq!(j.processor, "KSTREAM-JOIN-0000000005");
    let filtered: u64 = v.instances.iter().map(|i| i.filtered).sum();
    // A quarter of the clicks are purchases: the others stop at the filter.
    assert!(
        filtered > 1_200 && j.reference < 700,
        "{filtered} {}",
        j.reference
    );
    // Results for purchases only: with the views joined too, results would be four times the
    // reference.
    assert_eq!(j.results + j.missing, j.reference);
    // The stream–stream join: the filter before the input's KSTREAM-WINDOWED.
    let windowed =
        stream_join_app("stream=clicks window=join difference=1s join=left filter=value==mobile")
            .replace(
                "producer ads topic=impressions keys=ad-0..9",
                "producer ads topic=impressions rate=50/s keys=ad-0..9 values=mobile,desktop",
            );
    let spec = parse(&windowed.replace("run 1s", "run 20s"))
        .expect("valid")
        .spec;
    let st = &spec.streams[0];
    assert_eq!(
        st.changelog_topics(),
        [
            "attribution-KSTREAM-JOINTHIS-0000000005-store-changelog",
            "attribution-KSTREAM-OUTEROTHER-0000000006-store-changelog",
            "attribution-KSTREAM-OUTERSHARED-0000000005-store-changelog"
        ]
    );
    assert_describes(
        &st.describe_topology(),
        &[
            "      --> KSTREAM-FILTER-0000000001\n    Processor: KSTREAM-FILTER-0000000001 (stores: [])\n      --> KSTREAM-WINDOWED-0000000003\n      <-- KSTREAM-SOURCE-0000000000\n    \
             Source: KSTREAM-SOURCE-0000000002 (topics: [clicks])\n      --> KSTREAM-WINDOWED-0000000004\n",
            "    Processor: KSTREAM-MERGE-0000000007 (stores: [])\n      --> KSTREAM-SINK-0000000008\n      <-- KSTREAM-JOINTHIS-0000000005, KSTREAM-OUTEROTHER-0000000006\n",
        ],
    );
    let mut sim = Sim::new(spec);
    sim.run_until(SimTime::from_secs(20));
    let v = sim.streams_view().expect("streams");
    let j = v.join.as_ref().expect("a join");
    assert_eq!(
        (j.processor.as_str(), j.other_processor.as_str()),
        (
            "KSTREAM-JOINTHIS-0000000005",
            "KSTREAM-OUTEROTHER-0000000006"
        )
    );
    assert!(v.instances.iter().map(|i| i.filtered).sum::<u64>() > 300);
    assert!(
        j.results > 100 && j.mismatched == 0 && j.twice == 0,
        "{j:?}"
    );
}

fn stream_join_app(pairs: &str) -> String {
    format!(
        "topic impressions partitions=3\ntopic clicks partitions=3\ntopic attributed partitions=3\n\
         producer ads topic=impressions keys=ad-0..9\nproducer users topic=clicks keys=ad-0..9\n\
         streams s1 application.id=attribution input=impressions output=attributed {pairs}\nrun 1s\n"
    )
}

/// `impressions.join(clicks, …, JoinWindows…)`: two window stores, each with its changelog, and
/// `Topology.describe()` as `TopologyTest.streamStreamJoinTopologyWithDefaultStoresNames` prints
/// it, with the sink added.
#[test]
fn a_stream_stream_join_keeps_two_window_stores_with_their_changelogs() {
    let spec = parse(&stream_join_app(
        "stream=clicks window=join difference=10s grace=2s",
    ))
    .expect("valid")
    .spec;
    let st = &spec.streams[0];
    let w = st
        .join
        .as_ref()
        .and_then(|j| j.window)
        .expect("a join window");
    assert_eq!(
        (w.before_ms, w.after_ms, w.grace_ms),
        (10_000, 10_000, 2_000)
    );
    assert_eq!(w.retention_ms(), 22_000);
    assert_eq!(w.segment_ms(), 60_000);
    let names: Vec<&str> = spec.topics.iter().map(|t| t.name.as_str()).collect();
    assert!(names.ends_with(&[
        "attribution-KSTREAM-JOINTHIS-0000000004-store-changelog",
        "attribution-KSTREAM-JOINOTHER-0000000005-store-changelog"
    ]));
    let changelog = spec.topics.last().expect("changelog");
    // Duplicates retained: `delete` only (`StreamJoinedStoreFactory`).
    assert_eq!(
        changelog.config.get("cleanup.policy").as_deref(),
        Some("delete")
    );
    // The store's retention and `windowstore.changelog.additional.retention.ms`.
    assert_eq!(
        changelog.config.get("retention.ms").as_deref(),
        Some("86422000")
    );
    let d = st.describe_topology();
    // The stream's windowed processor comes from its source, as the other stream's does.
    assert!(
        d.contains("      --> KSTREAM-JOINTHIS-0000000004\n      <-- KSTREAM-SOURCE-0000000000\n"),
        "{d}"
    );
    assert!(d.contains(
        "    Processor: KSTREAM-JOINOTHER-0000000005 (stores: [KSTREAM-JOINTHIS-0000000004-store])\n\
         \x20     --> KSTREAM-MERGE-0000000006\n\
         \x20     <-- KSTREAM-WINDOWED-0000000003\n\
         \x20   Processor: KSTREAM-JOINTHIS-0000000004 (stores: [KSTREAM-JOINOTHER-0000000005-store])\n"
    ), "{d}");
    assert!(d.ends_with(
        "    Sink: KSTREAM-SINK-0000000007 (topic: attributed)\n      <-- KSTREAM-MERGE-0000000006\n\n"
    ), "{d}");
    // The restore consumer reads both changelogs.
    let restore = spec
        .consumers
        .iter()
        .find(|c| c.name == "s1-restore-consumer")
        .expect("restore consumer");
    assert_eq!(
        restore.more_topics,
        ["attribution-KSTREAM-JOINOTHER-0000000005-store-changelog"]
    );
    // The printer writes it back.
    let printed = khafka_scenario::print::scenario(&spec);
    assert!(
        printed.contains("stream=clicks window=join difference=10000ms grace=2000ms"),
        "{printed}"
    );
    let again = parse(&printed).expect("printed spec parses").spec;
    assert_eq!(again.streams[0].join, st.join);
}

#[test]
fn a_stream_stream_join_s_window_and_options_are_checked() {
    // Keys in any order.
    let spec = parse(&stream_join_app("window=join difference=1s stream=clicks"))
        .expect("valid")
        .spec;
    assert!(spec.streams[0]
        .join
        .as_ref()
        .is_some_and(|j| j.window.is_some()));
    let e = one_error(&stream_join_app("stream=clicks"));
    assert!(
        e.message
            .starts_with("a stream–stream join needs its join window"),
        "{}",
        e.message
    );
    let e = one_error(&app("window=join difference=1s"));
    assert!(
        e.message.starts_with("`window=join` needs `stream=`"),
        "{}",
        e.message
    );
    let e = one_error(&stream_join_app("stream=clicks window=join size=1s"));
    assert!(e.message.contains("not `size`"), "{}", e.message);
    let e = one_error(&stream_join_app("stream=clicks window=join grace=1s"));
    assert_eq!(e.message, "a join window needs `difference=`");
    let e = one_error(&stream_join_app("stream=clicks window=join difference=-1s"));
    assert_eq!(
        e.message,
        "Window interval (ie, beforeMs+afterMs) must not be negative."
    );
    let e = one_error(&stream_join_app(
        "stream=clicks window=join difference=1s grace=-1ms",
    ));
    assert_eq!(e.message, "Grace period must not be negative.");
    let e = one_error(&stream_join_app("stream=clicks window=join difference=4d"));
    assert!(e.message.contains("more than a week"), "{}", e.message);
    let e = one_error(&stream_join_app("stream=clicks window=tumbling size=1s"));
    assert!(e.message.contains("not `tumbling`"), "{}", e.message);
    let e = one_error(&stream_join_app(
        "stream=clicks window=join difference=1s join=full",
    ));
    assert!(
        e.message.ends_with("expected `inner` or `left` or `outer`"),
        "{}",
        e.message
    );
    let e = one_error(&stream_join_app(
        "stream=clicks table=clicks window=join difference=1s",
    ));
    assert!(e.message.contains("not both"), "{}", e.message);
    let e = one_error(&stream_join_app(
        "stream=impressions window=join difference=1s",
    ));
    assert!(
        e.message.contains("already been registered"),
        "{}",
        e.message
    );
}

/// `leftJoin` and `outerJoin` of two streams: `OUTER…` processors and the shared store, named as
/// `TopologyTest.streamStream{Left,Outer}JoinTopologyWithDefaultStoresNames` names them.
#[test]
fn left_and_outer_stream_joins_share_an_outer_store() {
    let left = parse(&stream_join_app(
        "stream=clicks window=join difference=100ms join=left",
    ))
    .expect("valid")
    .spec;
    let d = left.streams[0].describe_topology();
    assert!(d.contains(
        "    Processor: KSTREAM-JOINTHIS-0000000004 (stores: [KSTREAM-OUTEROTHER-0000000005-store, KSTREAM-OUTERSHARED-0000000004-store])\n\
         \x20     --> KSTREAM-MERGE-0000000006\n\
         \x20     <-- KSTREAM-WINDOWED-0000000002\n\
         \x20   Processor: KSTREAM-OUTEROTHER-0000000005 (stores: [KSTREAM-JOINTHIS-0000000004-store, KSTREAM-OUTERSHARED-0000000004-store])\n"
    ), "{d}");
    let shared = left.topics.last().expect("the shared store's changelog");
    assert_eq!(
        shared.name,
        "attribution-KSTREAM-OUTERSHARED-0000000004-store-changelog"
    );
    assert_eq!(
        shared.config.get("cleanup.policy").as_deref(),
        Some("compact")
    );
    let outer = parse(&stream_join_app(
        "stream=clicks window=join difference=100ms join=outer",
    ))
    .expect("valid")
    .spec;
    let d = outer.streams[0].describe_topology();
    assert!(d.contains(
        "    Processor: KSTREAM-OUTEROTHER-0000000005 (stores: [KSTREAM-OUTERTHIS-0000000004-store, KSTREAM-OUTERSHARED-0000000004-store])\n"
    ), "{d}");
    assert!(
        d.contains("      <-- KSTREAM-OUTERTHIS-0000000004, KSTREAM-OUTEROTHER-0000000005\n"),
        "{d}"
    );
    let printed = khafka_scenario::print::scenario(&outer);
    assert!(printed.contains("join=outer"), "{printed}");
    let again = parse(&printed).expect("printed spec parses").spec;
    assert_eq!(again.streams[0].join, outer.streams[0].join);
}

/// A replication factor above the brokers fails the internal topics' CreateTopics in Kafka: the
/// application does not start (fuzzing of session 56 found it built a changelog with a broker
/// listed twice).
#[test]
fn a_replication_factor_above_the_brokers_is_refused() {
    let src = app("replication.factor=4");
    let e = match parse(&src) {
        Err(e) => e,
        Ok(_) => panic!("accepted"),
    };
    let e = &e.0[0];
    assert_eq!(
        e.message,
        "replication.factor 4 is larger than the 3 available brokers: Kafka Streams cannot create \
         its internal topics"
    );
    assert_eq!(e.kafka_error, Some("INVALID_REPLICATION_FACTOR"));
    assert!(parse(&app("replication.factor=3")).is_ok());
}

/// A Kafka Streams setting's error names the setting (fuzz 14, #17).
#[test]
fn a_streams_setting_s_error_names_it() {
    let e = match parse(&app("commit.interval.ms=-1")) {
        Err(e) => e,
        Ok(_) => panic!("accepted"),
    };
    assert_eq!(
        e.0[0].message,
        "expected `commit.interval.ms` in milliseconds (a non-negative integer), found `-1`"
    );
}
