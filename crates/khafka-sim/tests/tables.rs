//! Data-driven tables for the engine's pure rules (raft-rs's `datadriven` style): each file under
//! `tests/tables/` holds cases, an input line, `----`, and the expected output. A rule change shows
//! as a diff of the table. `KHAFKA_UPDATE_TABLES=1 cargo test -p khafka-sim --test tables` rewrites
//! the expected outputs from the code (review the diff before committing it).

use khafka_sim::broker::{leader_high_watermark, HwFollower, HwRuleInput};
use khafka_sim::config::HwRule;
use khafka_sim::controller::raft::{Raft, RaftConfig, Role, VoteTally};
use khafka_sim::controller::{elect_leader, Election, ElectionInput};
use khafka_sim::log::producer_state::{check_sequence, ProducerEntry, SequenceCheck};
use khafka_sim::log::{BatchStore, Log};
use khafka_sim::msg::PartitionState;
use khafka_sim::producer::{drain_plan, DrainHead};
use khafka_sim::protocol::raft::{MetadataRecord, RaftEntry, RaftMsg};
use khafka_sim::rng::SimRng;
use std::path::PathBuf;

/// One case: the comment lines before it, its input line and its expected output.
struct Case {
    comments: Vec<String>,
    input: String,
    expected: String,
    line: usize,
}

fn read(name: &str) -> (PathBuf, Vec<Case>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tables")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut cases = Vec::new();
    let mut comments = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((n, l)) = lines.next() {
        if l.starts_with('#') || l.trim().is_empty() {
            comments.push(l.to_string());
            continue;
        }
        let sep = lines.next().map(|(_, s)| s);
        assert_eq!(
            sep,
            Some("----"),
            "{name}:{}: `----` expected after the input",
            n + 2
        );
        let expected = lines.next().map(|(_, s)| s.to_string()).unwrap_or_default();
        cases.push(Case {
            comments: std::mem::take(&mut comments),
            input: l.to_string(),
            expected,
            line: n + 1,
        });
    }
    (path, cases)
}

/// Checks (or with `KHAFKA_UPDATE_TABLES`, rewrites) a table against `run`.
fn check(name: &str, run: impl Fn(&str) -> String) {
    let (path, cases) = read(name);
    assert!(cases.len() >= 5, "{name}: too few cases");
    if std::env::var("KHAFKA_UPDATE_TABLES").is_ok() {
        let mut out = String::new();
        for c in &cases {
            for line in &c.comments {
                out.push_str(line);
                out.push('\n');
            }
            out.push_str(&format!("{}\n----\n{}\n", c.input, run(&c.input)));
        }
        std::fs::write(&path, out).unwrap();
        return;
    }
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let got = run(&c.input);
            (got != c.expected).then(|| {
                format!(
                    "{name}:{}: {}\n  expected: {}\n  got:      {got}",
                    c.line, c.input, c.expected
                )
            })
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `key=value` fields of an input line.
fn field<'a>(input: &'a str, key: &str) -> &'a str {
    input
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .unwrap_or_else(|| panic!("`{key}=` missing in `{input}`"))
}

fn ids(text: &str) -> Vec<u32> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

/// Appends a one-record batch of `epoch`, as a leader would.
fn append(log: &mut Log, store: &mut BatchStore, id: u64, epoch: u32) {
    let b = store.add(log.log_end_offset(), epoch, &[id], None);
    log.append(b, store, 0);
}

/// `LeaderEpochFileCache.endOffsetFor`: `cache=E@START,… leo=N request=E`.
#[test]
fn epoch_cache_end_offsets() {
    check("epoch_cache.txt", |input| {
        let mut log = Log::default();
        let mut store = BatchStore::default();
        let leo: u64 = field(input, "leo").parse().unwrap();
        let entries: Vec<(u32, u64)> = field(input, "cache")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|e| {
                let (epoch, start) = e.split_once('@').unwrap();
                (epoch.parse().unwrap(), start.parse().unwrap())
            })
            .collect();
        let mut id = 0;
        let mut current = None;
        for (epoch, start) in entries {
            while log.log_end_offset() < start {
                id += 1;
                let epoch = current.expect("the first epoch starts at 0");
                append(&mut log, &mut store, id, epoch);
            }
            log.assign_epoch_start(epoch);
            current = Some(epoch);
        }
        while log.log_end_offset() < leo {
            id += 1;
            append(
                &mut log,
                &mut store,
                id,
                current.expect("records need an epoch"),
            );
        }
        let requested: u32 = field(input, "request").parse().unwrap();
        match log.end_offset_for(requested) {
            Some((epoch, end)) => format!("epoch={epoch} end={end}"),
            None => "undefined".into(),
        }
    });
}

/// `Partition.maybeIncrementLeaderHW`: `leo=N hw=N rule=strict|pre-3.7 isr_size=N min_isr=N
/// now=MS lag=MS followers=LEO/CAUGHT_UP_MS/isr|out/eligible|fenced,…` (`-` for never caught up).
#[test]
fn high_watermark() {
    check("high_watermark.txt", |input| {
        let num = |k: &str| field(input, k).parse::<u64>().unwrap();
        let rule = HwRuleInput {
            log_end_offset: num("leo"),
            high_watermark: num("hw"),
            hw_rule: match field(input, "rule") {
                "strict" => HwRule::StrictMinIsr,
                "pre-3.7" => HwRule::Pre37,
                r => panic!("rule {r}"),
            },
            isr_len: num("isr_size") as usize,
            min_isr: num("min_isr") as usize,
            now_us: num("now") * 1_000,
            lag_us: num("lag") * 1_000,
        };
        let followers: Vec<HwFollower> = field(input, "followers")
            .split(',')
            .filter(|f| !f.is_empty())
            .map(|f| {
                let parts: Vec<&str> = f.split('/').collect();
                HwFollower {
                    log_end_offset: parts[0].parse().unwrap(),
                    last_caught_up_us: match parts[1] {
                        "-" => 0,
                        ms => ms.parse::<u64>().unwrap() * 1_000,
                    },
                    in_maximal_isr: parts[2] == "isr",
                    eligible: parts[3] == "eligible",
                }
            })
            .collect();
        match leader_high_watermark(&rule, followers) {
            Some(hw) => format!("hw={hw}"),
            None => "unchanged".into(),
        }
    });
}

/// `RecordAccumulator.drainBatchesForOneNode`: `led=N start=I max=BYTES
/// heads=POSITION:BYTES[:backoff][:stop],…` (the partitions the broker leads that have a batch, by
/// their position among the `led` ones).
#[test]
fn drain_plan_for_one_broker() {
    check("drain_plan.txt", |input| {
        let n: usize = field(input, "led").parse().unwrap();
        let start: usize = field(input, "start").parse().unwrap();
        let max: u64 = field(input, "max").parse().unwrap();
        let heads: Vec<(u32, u64, bool, bool)> = field(input, "heads")
            .split(',')
            .filter(|h| !h.is_empty())
            .map(|h| {
                let parts: Vec<&str> = h.split(':').collect();
                (
                    parts[0].parse().unwrap(),
                    parts[1].parse().unwrap(),
                    parts.contains(&"backoff"),
                    parts.contains(&"stop"),
                )
            })
            .collect();
        // Positions in drain order from `start`, as the sender sorts them.
        let mut cands: Vec<(u32, u32)> = heads
            .iter()
            .map(|h| (((h.0 as usize + n - start) % n) as u32, h.0))
            .collect();
        cands.sort_unstable();
        let mut drained = Vec::new();
        let index = drain_plan(
            &cands,
            start,
            n,
            max,
            |p| {
                let h = heads.iter().find(|h| h.0 == p).unwrap();
                let stop = h.3;
                DrainHead {
                    bytes: h.1,
                    backing_off: h.2,
                    stop: move || stop,
                }
            },
            |p| drained.push(p.to_string()),
        );
        format!("drained={} index={index}", drained.join(","))
    });
}

/// The leader's check of a client's idempotent batch (`ProducerAppendInfo.checkSequence`):
/// `state=none|EPOCH:FIRST-LAST@OFFSET,… epoch=E batch=FIRST-LAST` (retained batches oldest first).
#[test]
fn producer_state_sequence_check() {
    check("producer_state.txt", |input| {
        let range = |s: &str| {
            let (f, l) = s.split_once('-').unwrap();
            (f.parse::<i32>().unwrap(), l.parse::<i32>().unwrap())
        };
        let state = field(input, "state");
        let entry = (state != "none").then(|| {
            let (epoch, batches) = state.split_once(':').unwrap();
            let epoch: u16 = epoch.parse().unwrap();
            let mut e = ProducerEntry::default();
            for b in batches.split(',') {
                let (r, offset) = b.split_once('@').unwrap();
                let (f, l) = range(r);
                e.add_batch(epoch, f, l, offset.parse().unwrap());
            }
            e
        });
        let (first, last) = range(field(input, "batch"));
        let epoch: u16 = field(input, "epoch").parse().unwrap();
        match check_sequence(entry.as_ref(), epoch, first, last) {
            SequenceCheck::Append => "append".into(),
            SequenceCheck::AppendFromUnknownProducer => "append (no state for the producer)".into(),
            SequenceCheck::Duplicate { offset } => format!("duplicate at offset {offset}"),
            SequenceCheck::OutOfOrder => "OUT_OF_ORDER_SEQUENCE_NUMBER".into(),
            SequenceCheck::InvalidEpoch => "INVALID_PRODUCER_EPOCH".into(),
        }
    });
}

/// `PartitionChangeBuilder.electAnyLeader`:
/// `replicas=… isr=… elr=… leader=B|none active=… elr_enabled=BOOL unclean=BOOL last_known=B|none`.
#[test]
fn leader_election() {
    check("election.txt", |input| {
        let opt = |s: &str| (s != "none").then(|| s.parse::<u32>().unwrap());
        let target = PartitionState {
            part: 0,
            leader: opt(field(input, "leader")),
            leader_epoch: 0,
            partition_epoch: 0,
            replicas: ids(field(input, "replicas")),
            isr: ids(field(input, "isr")),
            elr: ids(field(input, "elr")),
            adding: Vec::new(),
            removing: Vec::new(),
        };
        let active = ids(field(input, "active"));
        let (leader, how) = elect_leader(&ElectionInput {
            target: &target,
            is_active: &|b| active.contains(&b),
            elr_enabled: field(input, "elr_enabled") == "true",
            unclean_enabled: field(input, "unclean") == "true",
            last_known_leader: opt(field(input, "last_known")),
        });
        let how = match how {
            Election::Isr => "isr",
            Election::Elr => "elr",
            Election::LastKnownLeader => "last-known-leader",
            Election::Unclean => "unclean",
            Election::None => "none",
        };
        format!(
            "leader={} from={how}",
            leader.map_or("none".into(), |l| l.to_string())
        )
    });
}

/// A voter of a 3-controller quorum in a given state, epoch and log (entry epochs).
fn voter(state: &str, epoch: u32, log: &str) -> Raft {
    let entries = ids(log)
        .into_iter()
        .map(|e| RaftEntry {
            epoch: e,
            record: MetadataRecord::LeaderChange { leader: 1 },
        })
        .collect();
    let mut r = Raft::bootstrapped(1, RaftConfig::default(), epoch, Vec::new(), 0);
    r.log = entries;
    r.high_watermark = 0;
    r.out.clear();
    r.events.clear();
    r.role = match state {
        "unattached" => Role::Unattached {
            voted: None,
            election_deadline_us: 1_000_000,
        },
        "candidate" => Role::Candidate(VoteTally::new(1, 3, 1_000_000)),
        "prospective" => Role::Prospective {
            election: VoteTally::new(1, 3, 1_000_000),
            leader: None,
            voted: None,
        },
        "leader" => r.role.clone(),
        "resigned" => Role::Resigned {
            election_deadline_us: 1_000_000,
            successors: Vec::new(),
            unacked: Vec::new(),
            end_sent_us: vec![None; 3],
        },
        s => {
            let (kind, id) = s.trim_end_matches(')').split_once('(').expect("state(id)");
            let id: u32 = id.parse().unwrap();
            match kind {
                "voted" => Role::Unattached {
                    voted: Some(id),
                    election_deadline_us: 1_000_000,
                },
                "prospective" => Role::Prospective {
                    election: VoteTally::new(1, 3, 1_000_000),
                    leader: None,
                    voted: Some(id),
                },
                "follower" => Role::Follower {
                    leader: id,
                    fetch_deadline_us: 1_000_000,
                    fetch_sent_us: None,
                    fetched: true,
                },
                _ => panic!("unknown state `{s}`"),
            }
        }
    };
    r
}

fn state_name(r: &Raft) -> String {
    match &r.role {
        Role::Unattached { voted: None, .. } => "unattached".into(),
        Role::Unattached { voted: Some(v), .. } => format!("voted({v})"),
        Role::Follower { leader, .. } => format!("follower({leader})"),
        Role::Candidate(_) => "candidate".into(),
        Role::Prospective { voted: None, .. } => "prospective".into(),
        Role::Prospective { voted: Some(v), .. } => format!("prospective({v})"),
        Role::Leader(_) => "leader".into(),
        Role::Resigned { .. } => "resigned".into(),
    }
}

/// `KafkaRaftClient.handleVoteRequest` and `canGrantVote`:
/// `state=… epoch=E log=… candidate=C cepoch=E last_epoch=E last_offset=N`.
#[test]
fn raft_vote() {
    check("raft_vote.txt", |input| {
        let num = |k: &str| field(input, k).parse::<u64>().unwrap();
        let mut r = voter(
            field(input, "state"),
            num("epoch") as u32,
            field(input, "log"),
        );
        let mut rng = SimRng::derive(0, "table");
        let candidate = num("candidate") as u32;
        r.on_msg(
            candidate,
            RaftMsg::Vote {
                epoch: num("cepoch") as u32,
                last_epoch: num("last_epoch") as u32,
                last_offset: num("last_offset"),
                pre_vote: input.contains("pre_vote"),
            },
            0,
            &mut rng,
        );
        let granted = r.out.iter().any(|(to, m)| {
            *to == candidate && matches!(m, RaftMsg::VoteResponse { granted: true, .. })
        });
        format!(
            "granted={granted} epoch={} state={}",
            r.epoch,
            state_name(&r)
        )
    });
}

/// `ReplicatedLog.validateOffsetAndEpoch` on the leader, `truncateToEndOffset` on the follower:
/// `leader=… follower=…`.
#[test]
fn raft_fetch() {
    check("raft_fetch.txt", |input| {
        let leader_log = ids(field(input, "leader"));
        let follower_log = field(input, "follower");
        let epoch = *leader_log.last().unwrap();
        let mut leader = voter("leader", epoch, field(input, "leader"));
        if let Role::Leader(l) = &mut leader.role {
            l.epoch_start = 0;
        }
        let mut follower = voter("follower(1)", epoch, follower_log);
        follower.id = 2;
        let mut rng = SimRng::derive(0, "table");
        leader.on_msg(
            2,
            RaftMsg::Fetch {
                epoch,
                fetch_offset: follower.end_offset(),
                last_fetched_epoch: follower.last_epoch(),
            },
            0,
            &mut rng,
        );
        let Some((_, response)) = leader.out.pop() else {
            return "parked".into();
        };
        let RaftMsg::FetchResponse(data) = response.clone() else {
            return format!("unexpected {response:?}");
        };
        match data.diverging {
            None => "valid".into(),
            Some((e, end)) => {
                follower.on_msg(1, response, 0, &mut rng);
                format!(
                    "diverging epoch={e} end={end} truncate={}",
                    follower.end_offset()
                )
            }
        }
    });
}
