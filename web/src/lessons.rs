//! The course: the lessons in order, grouped into parts. Their Markdown is fetched from the site when
//! a lesson opens (`dist/lessons/`, written by `cargo xtask build-site`), not compiled into the wasm,
//! which keeps the main bundle within issue 9's budget as the course grows. A lesson's number is its
//! place in [`LESSONS`], never written in its title, so inserting a lesson renumbers nothing.

pub struct Lesson {
    pub slug: &'static str,
    /// The title without its number (see [`number`]).
    pub title: &'static str,
    pub summary: &'static str,
    /// The file under `lessons/`.
    pub file: &'static str,
    /// The part of the course it belongs to (an index into [`PARTS`]).
    pub part: usize,
    /// About how long it takes, running every cell (checked against its words and cells by a test).
    pub minutes: u32,
    /// The lessons to read first, by slug.
    pub needs: &'static [&'static str],
    /// Its graded exercises (checked against its Markdown by a test).
    pub exercises: usize,
}

/// The course's parts, in order.
pub const PARTS: &[&str] = &[
    "The log and the cluster",
    "Durability and failures",
    "Consumers, storage and throughput",
    "Data and schemas",
    "Stream processing",
    "Kafka in practice: use cases, promises and limits",
];

pub const LESSONS: &[Lesson] = &[
    Lesson {
        slug: "events-keys-and-ordering",
        title: "Events, topics, partitions and offsets: keys and ordering",
        summary: "Keys and the murmur2 partitioner; order within a partition, none across; sticky partitioning of null keys.",
        file: "00-events-keys-and-ordering.md",
        part: 0,
        minutes: 14,
        needs: &[],
        exercises: 1,
    },
    Lesson {
        slug: "first-cluster",
        title: "A first cluster: topics, partitions, replicas",
        summary: "Events, topics and partitions; brokers and replicas; leaders and followers; offsets.",
        file: "01-first-cluster.md",
        part: 0,
        minutes: 10,
        needs: &["events-keys-and-ordering"],
        exercises: 1,
    },
    Lesson {
        slug: "coordination-zookeeper-to-kraft",
        title: "Coordination: from ZooKeeper to KRaft",
        summary: "What the controller does; kill the active controller and watch the quorum elect another; why a quorum needs a majority; ZooKeeper as history.",
        file: "01a-coordination-from-zookeeper-to-kraft.md",
        part: 0,
        minutes: 16,
        needs: &["first-cluster"],
        exercises: 1,
    },
    Lesson {
        slug: "brokers-and-clusters",
        title: "Brokers and clusters: racks, new brokers and moving partitions",
        summary: "Replicas spread over racks; a broker joining a running cluster; kafka-reassign-partitions with traffic flowing; the partition as the unit of parallelism.",
        file: "01b-brokers-and-clusters.md",
        part: 0,
        minutes: 16,
        needs: &["first-cluster"],
        exercises: 1,
    },
    Lesson {
        slug: "example-data-flow",
        title: "The example data flow end to end: where the milliseconds go",
        summary: "Producer, leader, replication, consumer: each step's latency measured; linger.ms, acks and a slow follower, each moving one step.",
        file: "01c-example-data-flow.md",
        part: 0,
        minutes: 15,
        needs: &["first-cluster"],
        exercises: 1,
    },
    Lesson {
        slug: "acks-and-durability",
        title: "acks and durability: what an acknowledgement promises",
        summary: "acks=0, 1 and all; the high watermark; min.insync.replicas; losing acknowledged writes.",
        file: "02-acks-and-durability.md",
        part: 1,
        minutes: 15,
        needs: &["first-cluster"],
        exercises: 1,
    },
    Lesson {
        slug: "retries-and-idempotence",
        title: "Retries: duplicates, reordering and the idempotent producer",
        summary: "Lost responses and retries; producer ids and sequence numbers; max.in.flight and ordering.",
        file: "03-retries-and-idempotence.md",
        part: 1,
        minutes: 12,
        needs: &["acks-and-durability"],
        exercises: 1,
    },
    Lesson {
        slug: "unclean-leader-election",
        title: "When no in-sync replica is left: unclean leader election",
        summary: "Offline partitions or lost data; unclean.leader.election.enable; what consumers see (KIP-320); why min.insync.replicas matters.",
        file: "04-unclean-leader-election.md",
        part: 1,
        minutes: 16,
        needs: &["acks-and-durability"],
        exercises: 1,
    },
    Lesson {
        slug: "consumer-groups-and-offsets",
        title: "Consumer groups and offsets: rebalances, duplicates and lag",
        summary: "A group shares a topic's partitions; a member crashes and the group rebalances; commit placement, at-least-once and at-most-once record by record; lag; two groups; resetting offsets.",
        file: "04b-consumer-groups-and-offsets.md",
        part: 2,
        minutes: 21,
        needs: &["first-cluster"],
        exercises: 1,
    },
    Lesson {
        slug: "partition-assignment",
        title: "Partition assignment: eager, cooperative and static",
        summary: "Idle members; eager rebalances stop the whole group, cooperative ones only what moves (in two rounds), and KIP-848's broker-side assignment member by member; range, round robin and sticky assignors; static membership and the session timeout.",
        file: "04c-partition-assignment.md",
        part: 2,
        minutes: 28,
        needs: &["consumer-groups-and-offsets"],
        exercises: 1,
    },
    Lesson {
        slug: "retention-and-compaction",
        title: "Retention and compaction: Kafka as storage",
        summary: "Segments, retention.ms and retention.bytes, a consumer behind retention (OFFSET_OUT_OF_RANGE and auto.offset.reset), compacted topics as tables of latest values, tombstones.",
        file: "06-retention-and-compaction.md",
        part: 2,
        minutes: 15,
        needs: &["first-cluster"],
        exercises: 1,
    },
    Lesson {
        slug: "throughput-and-scalability",
        title: "Throughput and scalability: batches, compression and the limits of a link",
        summary: "Bandwidth, batch.size and in-flight requests as ceilings; linger.ms trading latency; compression; partitions as parallel links.",
        file: "04a-throughput-and-scalability.md",
        part: 2,
        minutes: 19,
        needs: &["acks-and-durability"],
        exercises: 1,
    },
    Lesson {
        slug: "data-formats-on-real-bytes",
        title: "Data formats on real bytes: JSON, Avro and Protobuf",
        summary: "One record in three formats, byte by byte; the Confluent framing; batch sizes with gzip, snappy and lz4 — how much Avro really saves; a running producer whose one-record batches gzip makes bigger.",
        file: "06-data-formats-on-real-bytes.md",
        part: 3,
        minutes: 23,
        needs: &["throughput-and-scalability"],
        exercises: 1,
    },
    Lesson {
        slug: "schemas-and-evolution",
        title: "Schemas and evolution: compatibility modes on real schemas",
        summary: "Adding a field with and without a default under BACKWARD, FORWARD, FULL and the transitive modes; an upgraded or old consumer that reads, or fails.",
        file: "07-schemas-and-evolution.md",
        part: 3,
        minutes: 22,
        needs: &["data-formats-on-real-bytes"],
        exercises: 1,
    },
    Lesson {
        slug: "multi-format-pipelines",
        title: "Multi-format pipelines: streams in three formats merged into one topic while a schema evolves",
        summary: "Avro, Protobuf and JSON producers in one topic: one subject per topic refuses the second format, a subject per record type takes them all; consumers that stop at or skip another format; one stream's new schema under each compatibility mode.",
        file: "07b-multi-format-pipelines.md",
        part: 3,
        minutes: 19,
        needs: &["schemas-and-evolution"],
        exercises: 2,
    },
    Lesson {
        slug: "stateful-stream-processing",
        title: "Stateful stream processing: a count per key, its changelog and its restore",
        summary: "A Kafka Streams count in the cluster; tasks move and restore their stores from the changelog; a crash counts views twice under at_least_once; a zombie instance sets counts back; the record cache; a count per value through a repartition topic, purged with DeleteRecords, and a map that repartitions although it keeps the key; a sum with reduce; a maximum with aggregate, which a crash cannot spoil; a filter that renames the store; close() hands over cleanly.",
        file: "06c-stateful-stream-processing.md",
        part: 4,
        minutes: 39,
        needs: &["consumer-groups-and-offsets"],
        exercises: 2,
    },
    Lesson {
        slug: "stream-table-joins",
        title: "Joining a stream with a table: the table as of each record's time",
        summary: "A stream–table join in the cluster: co-partitioned tasks read both topics in timestamp order, or not (max.task.idle.ms); tombstones delete from the table, inner and left joins; a crash restores the table from its changelog and sends some results twice; a filter before the join, and the names it moves.",
        file: "06d-stream-table-joins.md",
        part: 4,
        minutes: 17,
        needs: &["stateful-stream-processing"],
        exercises: 1,
    },
    Lesson {
        slug: "stream-stream-joins",
        title: "Joining two streams: pairs within a window",
        summary: "A stream–stream join in the cluster: two window stores per task and their changelogs; late records lose pairs unless grace covers them, and grace costs memory; left and outer joins wait for the window to close before they forward null.",
        file: "06e-stream-stream-joins.md",
        part: 4,
        minutes: 14,
        needs: &["stream-table-joins"],
        exercises: 1,
    },
    Lesson {
        slug: "time-windows",
        title: "Time windows: stream time, grace and late records",
        summary: "Tumbling, hopping, sliding and session windows; stream time closes a window after its grace; late records dropped; every update or one final result.",
        file: "07-time-windows.md",
        part: 4,
        minutes: 18,
        needs: &["events-keys-and-ordering"],
        exercises: 1,
    },
    Lesson {
        slug: "real-time-analytics",
        title: "A real-time analytics use case: page views per minute, with late mobile events",
        summary: "A dashboard's per-minute counts; late mobile views dropped or counted by the grace; final counts published later; the same count as a Kafka Streams application in a cluster, its stream time per task, a final result sent twice after a crash, revenue per minute summed twice, and views per page behind a repartition topic, where a crash upstream turns into late drops or second copies counted.",
        file: "08-real-time-analytics.md",
        part: 4,
        minutes: 32,
        needs: &["time-windows", "stateful-stream-processing"],
        exercises: 2,
    },
    Lesson {
        slug: "use-cases",
        title: "Use cases: log aggregation, event-driven services, real-time analytics",
        summary: "Many producers into one topic; one topic read by several consumer groups, each seeing every event; events counted as they arrive.",
        file: "05a-use-cases.md",
        part: 5,
        minutes: 14,
        needs: &["brokers-and-clusters", "example-data-flow"],
        exercises: 1,
    },
    Lesson {
        slug: "benefits-and-limits",
        title: "Benefits and limits: what Kafka promises, and what it does not",
        summary: "Scalability, fault tolerance and throughput, each with its conditions; no order across partitions, loss with acks=1, unclean election.",
        file: "05-benefits-and-limits.md",
        part: 5,
        minutes: 20,
        needs: &["events-keys-and-ordering", "acks-and-durability", "unclean-leader-election"],
        exercises: 1,
    },
];

pub fn find(slug: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.slug == slug)
}

/// A lesson's number in the course, from 1.
pub fn number(slug: &str) -> Option<usize> {
    LESSONS.iter().position(|l| l.slug == slug).map(|i| i + 1)
}

/// "3. Coordination: from ZooKeeper to KRaft".
pub fn numbered_title(l: &Lesson) -> String {
    format!("{}. {}", number(l.slug).unwrap_or(0), l.title)
}

#[cfg(test)]
mod tests {
    use super::LESSONS;
    use crate::show::Show;

    /// A typo in a fence's `show=` would otherwise only show as a notice on the reader's page.
    #[test]
    fn every_lesson_cell_names_parts_that_exist() {
        let mut cells = 0;
        for lesson in LESSONS {
            let path = format!("{}/../lessons/{}", env!("CARGO_MANIFEST_DIR"), lesson.file);
            let markdown = std::fs::read_to_string(&path).unwrap();
            for line in markdown.lines() {
                let Some(opts) = line.strip_prefix("```khafka") else {
                    continue;
                };
                cells += 1;
                for spec in opts
                    .split_whitespace()
                    .filter_map(|w| w.strip_prefix("show="))
                {
                    if let Err(e) = Show::parse(spec) {
                        panic!("{}: {line}: {e}", lesson.slug);
                    }
                }
            }
        }
        assert!(cells >= 8, "{cells} cells");
    }

    fn markdown(file: &str) -> String {
        let path = format!("{}/../lessons/{file}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap()
    }

    /// The course map states each lesson's minutes and exercises: they must match its text.
    #[test]
    fn minutes_and_exercises_match_each_lessons_text() {
        for l in LESSONS {
            let md = markdown(l.file);
            let fences = |kind: &str| md.lines().filter(|x| x.starts_with(kind)).count();
            let exercises = md
                .lines()
                .filter(|x| {
                    x.starts_with("```khafka") && x.split_whitespace().any(|w| w == "exercise")
                })
                .count()
                + fences("```format encode exercise")
                + fences("```format compat exercise")
                + fences("```format decode exercise");
            let format_cells = fences("```format ")
                - md.lines()
                    .filter(|x| x.starts_with("```format ") && x.ends_with(" solution"))
                    .count();
            let cells = fences("```khafka") - fences("```khafka solution") + format_cells;
            assert_eq!(l.exercises, exercises, "{}: exercises", l.slug);
            // About 180 words a minute, and two minutes to run and read each cell.
            let words = md.split_whitespace().count() as f64;
            let estimate = words / 180.0 + 2.0 * cells as f64;
            assert!(
                (l.minutes as f64 - estimate).abs() <= 3.0,
                "{}: {} minutes stated, about {estimate:.0} estimated ({words} words, {cells} cells)",
                l.slug,
                l.minutes
            );
        }
    }

    /// Every lesson file is in the course, once; what a lesson needs comes before it; parts are
    /// contiguous and in order, and none is empty.
    #[test]
    fn the_course_is_complete_and_in_order() {
        let dir = format!("{}/../lessons", env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .collect();
        files.sort();
        let mut listed: Vec<String> = LESSONS.iter().map(|l| l.file.to_string()).collect();
        listed.sort();
        assert_eq!(files, listed);
        for (i, l) in LESSONS.iter().enumerate() {
            for need in l.needs {
                let at = LESSONS.iter().position(|o| o.slug == *need);
                assert!(at.is_some_and(|a| a < i), "{} needs {need}", l.slug);
            }
            assert!(l.part < super::PARTS.len(), "{}", l.slug);
            if i > 0 {
                let p = LESSONS[i - 1].part;
                assert!(l.part == p || l.part == p + 1, "{}: part order", l.slug);
            }
            assert!(
                !l.title.starts_with(|c: char| c.is_ascii_digit()),
                "{}: numbered title",
                l.slug
            );
        }
        assert_eq!(LESSONS.last().map(|l| l.part + 1), Some(super::PARTS.len()));
    }

    /// The glossary (`docs/glossary.md`, the one list of the course's words) defines every word of
    /// the reference notes the course started from, and each row says where it is taught: a link
    /// to a lesson or page that exists, or plainly that no lesson teaches it yet.
    #[test]
    fn the_glossary_covers_the_notes_and_links_every_word_to_a_lesson() {
        let path = format!("{}/../docs/glossary.md", env!("CARGO_MANIFEST_DIR"));
        let glossary = std::fs::read_to_string(path).unwrap();
        let rows: Vec<Vec<&str>> = glossary
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Word |"))
            .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
            .collect();
        assert!(rows.len() >= 60, "{} rows", rows.len());
        let words: Vec<String> = rows.iter().map(|r| r[0].to_lowercase()).collect();
        // The bold terms of ../shared/reference-notes.md (outside this repository, so listed here).
        const NOTES: &[&str] = &[
            "event",
            "topic",
            "partition",
            "producer",
            "consumer",
            "broker",
            "cluster",
            "replication",
            "leader, follower",
            "json, avro, protocol buffers",
            "offset",
            "replication factor",
            "zookeeper",
            "stream processing",
            "time window",
            "stateful processing",
            "`acks`",
            "real-time analytics",
            "log aggregation",
            "event-driven architecture",
            "windowing",
            "schema",
            "scalability",
            "fault tolerance",
            "throughput",
            "example data flow",
            "durability",
        ];
        for n in NOTES {
            assert!(
                words
                    .iter()
                    .any(|w| w.split(", ").any(|x| x == *n) || w.starts_with(n)),
                "the glossary lacks the notes' word {n:?}"
            );
        }
        let pages = [
            "#/formats",
            "#/language",
            "#/playground",
            "#/presenter",
            "#/about",
        ];
        for r in &rows {
            assert_eq!(r.len(), 3, "{r:?}");
            let taught = r[2];
            if let Some(link) = taught.split("](").nth(1) {
                let href = link.trim_end_matches(')');
                let ok = match href.strip_prefix("#/lesson/") {
                    Some(slug) => super::find(slug).is_some(),
                    None => pages.contains(&href),
                };
                assert!(ok, "{}: links to {href}, which does not exist", r[0]);
            } else {
                assert!(
                    taught.starts_with("not in the course yet"),
                    "{}: {taught}",
                    r[0]
                );
            }
        }
    }

    /// Lessons name each other by link, never by number: numbers change when a lesson is added.
    #[test]
    fn lessons_do_not_refer_to_each_other_by_number() {
        for l in LESSONS {
            let words: Vec<String> = markdown(l.file)
                .split_whitespace()
                .map(|w| w.to_lowercase())
                .collect();
            for pair in words.windows(2) {
                let numbered = pair[1].starts_with(|c: char| c.is_ascii_digit());
                assert!(
                    !(numbered && (pair[0] == "lesson" || pair[0] == "lessons")),
                    "{}: \"{} {}\"",
                    l.slug,
                    pair[0],
                    pair[1]
                );
            }
        }
    }
}
