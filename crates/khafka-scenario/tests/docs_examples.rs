//! The examples of `docs/scenario-language.md` parse, and the first one gives exactly the spec the
//! documentation describes.

use khafka_scenario::{parse, CmpOp, Counter, Metric, Operand};
use khafka_sim::config::IsolationLevel;
use khafka_sim::spec::{Fault, KeyDistribution, KeySpec, LinkSpec, NodeRef, Scheduled};
use khafka_sim::{Acks, BrokerRef, SimTime, TopicPartition};

const DOC: &str = include_str!("../../../docs/scenario-language.md");

fn examples() -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = DOC;
    while let Some(start) = rest.find("```khafka\n") {
        let body = &rest[start + 10..];
        let end = body.find("```").expect("closed code block");
        out.push(body[..end].to_string());
        rest = &body[end..];
    }
    out
}

#[test]
fn every_documented_example_parses() {
    let examples = examples();
    assert!(examples.len() >= 4, "the docs keep at least four examples");
    for (i, src) in examples.iter().enumerate() {
        if let Err(e) = parse(src) {
            panic!("example {i} fails:\n{}", e.render("doc.khafka", src));
        }
    }
}

#[test]
fn the_example_file_is_the_documented_example() {
    let file = include_str!("../../../tests/scenarios/parse/orders.khafka");
    assert_eq!(file, examples()[0]);
}

#[test]
fn the_main_example_builds_the_expected_spec() {
    let s = parse(&examples()[0]).expect("parses");
    let spec = &s.spec;
    assert_eq!(spec.seed, 42);
    assert_eq!(spec.cluster.brokers, 3);
    assert_eq!(spec.cluster.racks, vec!["a", "b", "c"]);
    assert_eq!(spec.cluster.config.min_insync_replicas, 2);
    assert_eq!(
        spec.network,
        LinkSpec {
            latency_us_min: 500,
            latency_us_max: 1_500,
            loss_ppm: 1_000,
            bandwidth_bps: 0,
        }
    );
    assert_eq!(spec.run_for, SimTime::from_secs(30));

    let [orders, audit] = &spec.topics[..] else {
        panic!("two topics")
    };
    assert_eq!(
        (
            orders.name.as_str(),
            orders.partitions,
            orders.replication_factor
        ),
        ("orders", 3, 3)
    );
    assert_eq!(orders.assignment, None);
    assert_eq!((audit.partitions, audit.replication_factor), (3, 2));
    assert_eq!(
        audit.assignment,
        Some(vec![vec![1, 2], vec![2, 3], vec![3, 1]])
    );
    assert_eq!(audit.config.min_insync_replicas, Some(1));

    let [p1, p2] = &spec.producers[..] else {
        panic!("two producers")
    };
    assert_eq!(p1.config.acks, Acks::One);
    assert_eq!(p1.config.linger_ms, 0);
    assert_eq!(p1.rate_per_ks, 200_000);
    assert_eq!(
        p1.keys,
        KeySpec::Range {
            prefix: "user-".into(),
            lo: 0,
            hi: 99
        }
    );
    assert_eq!(p2.rate_per_ks, 500);
    assert_eq!(
        p2.keys,
        KeySpec::List(vec!["a".into(), "b".into(), "c".into()])
    );
    assert_eq!(p2.key_distribution, KeyDistribution::Sequential);
    assert_eq!(p2.partition, Some(2));
    assert_eq!(p2.start, SimTime::from_secs(1));
    assert_eq!(p2.stop, Some(SimTime::from_secs(8)));
    assert_eq!(p2.count, Some(5));
    assert_eq!(p2.config.acks, Acks::All);

    let c1 = &spec.consumers[0];
    assert_eq!(c1.config.isolation_level, IsolationLevel::ReadCommitted);
    assert_eq!(c1.start, SimTime::from_ms(500));

    // Static links: one for `->`, two for `<->`; omitted settings come from `network`.
    assert_eq!(spec.links.len(), 3);
    assert_eq!(spec.links[0].from, vec![NodeRef::Client("p1".into())]);
    assert_eq!(
        spec.links[0].to,
        vec![NodeRef::Broker(1), NodeRef::Broker(2), NodeRef::Broker(3)]
    );
    assert_eq!(
        spec.links[0].link,
        LinkSpec {
            latency_us_min: 2_000,
            latency_us_max: 2_000,
            loss_ppm: 1_000,
            bandwidth_bps: 0,
        }
    );
    assert_eq!(spec.links[2].from, vec![NodeRef::Broker(2)]);
    assert_eq!(spec.links[2].link.loss_ppm, 10_000);
    assert_eq!(spec.links[2].link.latency_us_min, 20_000);

    let at = |s: &Scheduled| s.at;
    let faults: Vec<&Fault> = spec.schedule.iter().map(|s| &s.fault).collect();
    assert_eq!(spec.schedule.len(), 14);
    assert_eq!(at(&spec.schedule[0]), SimTime::from_secs(2));
    assert_eq!(
        faults[0],
        &Fault::Crash {
            broker: BrokerRef::LeaderOf(TopicPartition::new("orders", 0)),
            lose_unflushed: true
        }
    );
    assert_eq!(
        faults[1],
        &Fault::Partition {
            groups: vec![
                vec![NodeRef::Broker(1)],
                vec![NodeRef::Broker(2), NodeRef::Broker(3)]
            ],
            one_way: false
        }
    );
    assert!(matches!(faults[2], Fault::Partition { one_way: true, .. }));
    assert_eq!(at(&spec.schedule[2]), SimTime::from_ms(3_500));
    assert_eq!(
        faults[3],
        &Fault::Isolate {
            node: NodeRef::Client("p1".into())
        }
    );
    assert_eq!(faults[4], &Fault::Heal);
    assert_eq!(at(&spec.schedule[4]), SimTime::from_ms(4_500));
    assert_eq!(
        faults[5],
        &Fault::Slow {
            broker: BrokerRef::Id(2),
            extra_us: 50_000
        }
    );
    assert_eq!(
        faults[6],
        &Fault::Slow {
            broker: BrokerRef::Id(2),
            extra_us: 0
        }
    );
    assert_eq!(
        faults[7],
        &Fault::Restart {
            broker: BrokerRef::Id(1)
        }
    );
    match faults[8] {
        Fault::Link(o) => {
            assert_eq!(o.from, vec![NodeRef::Controller]);
            assert_eq!(o.link.loss_ppm, 500_000);
            assert_eq!(o.link.latency_us_max, 1_500);
        }
        other => panic!("expected a link fault, got {other:?}"),
    }
    assert_eq!(
        faults[9],
        &Fault::SetTopicConfig {
            topic: "orders".into(),
            key: "min.insync.replicas".into(),
            value: "1".into()
        }
    );
    assert_eq!(
        faults[10],
        &Fault::PauseProducer {
            producer: "p1".into()
        }
    );
    assert_eq!(
        faults[11],
        &Fault::ResumeProducer {
            producer: "p1".into()
        }
    );
    assert_eq!(
        faults[12],
        &Fault::ElectPreferred {
            partition: Some(TopicPartition::new("orders", 0))
        }
    );
    assert_eq!(
        faults[13],
        &Fault::Shutdown {
            broker: BrokerRef::Id(3)
        }
    );

    let e = &s.expects;
    assert_eq!(e.len(), 6);
    assert_eq!(e[0].text, "lost > 0");
    assert_eq!(
        (&e[0].metric, e[0].op, &e[0].rhs),
        (&Metric::Counter(Counter::Lost), CmpOp::Gt, &Operand::Int(0))
    );
    assert_eq!(
        e[1].metric,
        Metric::Errors(Some("NOT_ENOUGH_REPLICAS".into()))
    );
    assert_eq!((e[2].op, &e[2].rhs), (CmpOp::Ne, &Operand::None));
    assert_eq!(e[3].rhs, Operand::Set(vec![1, 2]));
    assert_eq!(e[3].text, "isr(orders-0) == {1, 2}");
    assert_eq!(
        e[4].metric,
        Metric::Hw(TopicPartition::new("orders", 0), Some(2))
    );
    assert_eq!(e[5].line, 38);
}

#[test]
fn defaults_apply_without_statements() {
    let s = parse("topic orders\nproducer p1 topic=orders\n").unwrap();
    assert_eq!(s.spec.cluster.brokers, 3);
    assert_eq!(s.spec.run_for, SimTime::from_secs(10));
    assert_eq!(s.spec.seed, 0);
    assert_eq!(
        (
            s.spec.topics[0].partitions,
            s.spec.topics[0].replication_factor
        ),
        (1, 1)
    );
    assert_eq!(s.spec.producers[0].rate_per_ks, 100_000);
    assert!(s.expects.is_empty());
    // Topic defaults come from the cluster line even when it is written after the topic.
    let s = parse("topic t\ncluster brokers=5 num.partitions=6 default.replication.factor=3\n")
        .unwrap();
    assert_eq!(
        (
            s.spec.topics[0].partitions,
            s.spec.topics[0].replication_factor
        ),
        (6, 3)
    );
    assert!(parse("").unwrap().spec.topics.is_empty());
}
