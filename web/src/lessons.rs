//! The course: the lessons in order. Their Markdown is fetched from the site when a lesson opens
//! (`dist/lessons/`, copied by Trunk: `index.html`), not compiled into the wasm, which keeps the main
//! bundle within issue 9's budget as the course grows.

pub struct Lesson {
    pub slug: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    /// The file under `lessons/`.
    pub file: &'static str,
}

pub const LESSONS: &[Lesson] = &[
    Lesson {
        slug: "events-keys-and-ordering",
        title: "1. Events, topics, partitions and offsets: keys and ordering",
        summary: "Keys and the murmur2 partitioner; order within a partition, none across; sticky partitioning of null keys.",
        file: "00-events-keys-and-ordering.md",
    },
    Lesson {
        slug: "first-cluster",
        title: "2. A first cluster: topics, partitions, replicas",
        summary: "Events, topics and partitions; brokers and replicas; leaders and followers; offsets.",
        file: "01-first-cluster.md",
    },
    Lesson {
        slug: "acks-and-durability",
        title: "3. acks and durability: what an acknowledgement promises",
        summary: "acks=0, 1 and all; the high watermark; min.insync.replicas; losing acknowledged writes.",
        file: "02-acks-and-durability.md",
    },
    Lesson {
        slug: "retries-and-idempotence",
        title: "4. Retries: duplicates, reordering and the idempotent producer",
        summary: "Lost responses and retries; producer ids and sequence numbers; max.in.flight and ordering.",
        file: "03-retries-and-idempotence.md",
    },
    Lesson {
        slug: "unclean-leader-election",
        title: "5. When no in-sync replica is left: unclean leader election",
        summary: "Offline partitions or lost data; unclean.leader.election.enable; why min.insync.replicas matters.",
        file: "04-unclean-leader-election.md",
    },
    Lesson {
        slug: "retention-and-compaction",
        title: "6. Retention and compaction: Kafka as storage",
        summary: "Segments, retention.ms and retention.bytes, a consumer behind retention (OFFSET_OUT_OF_RANGE and auto.offset.reset), compacted topics as tables of latest values, tombstones.",
        file: "06-retention-and-compaction.md",
    },
    Lesson {
        slug: "benefits-and-limits",
        title: "7. Benefits and limits: what Kafka promises, and what it does not",
        summary: "Scalability, fault tolerance and throughput, each with its conditions; no order across partitions, loss with acks=1, unclean election.",
        file: "05-benefits-and-limits.md",
    },
];

pub fn find(slug: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.slug == slug)
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
}
