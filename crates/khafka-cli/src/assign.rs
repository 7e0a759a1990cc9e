//! `khafka assign`: what Kafka's assignor returns for a group (issue 8), a teaching tool.
//!
//! `--assignor range|roundrobin|sticky|cooperative-sticky|uniform|server-range`,
//! `--topic NAME:PARTITIONS`, `--member ID[/INSTANCE]:TOPIC[,TOPIC...]` (the order given is the
//! JoinGroup order), `--owned ID:TOPIC-P[,TOPIC-P...]` (the member's current assignment: owned
//! partitions of the current generation for the client assignors, the previous target
//! assignment for the server ones). Prints `ID<TAB>topic-p,…` per member in the order given.

use khafka_sim::client::consumer::assignor::java_hash::hash_map_order;
use khafka_sim::client::consumer::assignor::{
    validate, ClientAssignor, PartitionsPerTopic, Subscription, TopicPartition,
};
use khafka_sim::coordinator::group::assignor::{MemberSpec, ServerAssignor};
use std::collections::{BTreeMap, BTreeSet};

const MAX_PARTITIONS: u64 = 100_000;
const MAX_MEMBERS: usize = 10_000;
/// The most partitions × members the sticky assignors' general path takes ([`check_general_sticky`]):
/// 4,000 members on 40,000 partitions (160 M) took 6.3 s, 10,000 members on 10,000 partitions
/// (100 M) 3.6 s.
const MAX_GENERAL_STICKY_PAIRS: u64 = 100_000_000;
const ASSIGNORS: &str = "range, roundrobin, sticky, cooperative-sticky, uniform or server-range";

enum Kind {
    Client(ClientAssignor),
    Server(ServerAssignor),
}

struct Member {
    id: String,
    instance: Option<String>,
    topics: Vec<String>,
    owned: Vec<TopicPartition>,
}

pub fn run(args: &[String]) -> Result<u8, String> {
    let mut kind = None;
    let mut topics = PartitionsPerTopic::new();
    let mut members: Vec<Member> = Vec::new();
    let mut owned_lists: Vec<(String, String)> = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--assignor" => {
                let name = value()?;
                if kind.is_some() {
                    return Err("--assignor is given twice".into());
                }
                kind = Some(match name.as_str() {
                    "uniform" => Kind::Server(ServerAssignor::Uniform),
                    "server-range" => Kind::Server(ServerAssignor::Range),
                    other => Kind::Client(ClientAssignor::from_name(other).ok_or_else(|| {
                        format!("unknown assignor `{other}` (expected {ASSIGNORS})")
                    })?),
                });
            }
            "--topic" => {
                let v = value()?;
                let (name, count) = parse_topic(&v)?;
                if topics.insert(name.clone(), count).is_some() {
                    return Err(format!("topic `{name}` is given twice"));
                }
                let total: u64 = topics.values().map(|&n| n as u64).sum();
                if total > MAX_PARTITIONS {
                    return Err(format!(
                        "the topics have {total} partitions in all; khafka assign takes at most {MAX_PARTITIONS}"
                    ));
                }
            }
            "--member" => {
                let m = parse_member(&value()?)?;
                if members.iter().any(|x| x.id == m.id) {
                    return Err(format!("member `{}` is given twice", m.id));
                }
                members.push(m);
                if members.len() > MAX_MEMBERS {
                    return Err(format!("khafka assign takes at most {MAX_MEMBERS} members"));
                }
            }
            "--owned" => {
                let v = value()?;
                let (id, list) = v
                    .rsplit_once(':')
                    .ok_or_else(|| format!("--owned `{v}`: expected ID:TOPIC-P[,TOPIC-P...]"))?;
                if owned_lists.iter().any(|(x, _)| x == id) {
                    return Err(format!("--owned is given twice for member `{id}`"));
                }
                owned_lists.push((id.to_string(), list.to_string()));
            }
            other => return Err(format!("unknown option `{other}` for assign\n{}", usage())),
        }
    }
    let kind = kind.ok_or_else(|| format!("missing --assignor ({ASSIGNORS})"))?;
    if members.is_empty() {
        return Err("no --member given".into());
    }
    for m in &members {
        if let Some(t) = m.topics.iter().find(|t| !topics.contains_key(*t)) {
            return Err(format!(
                "member `{}` subscribes to `{t}`, which no --topic declares",
                m.id
            ));
        }
    }
    for (id, list) in &owned_lists {
        let Some(m) = members.iter_mut().find(|m| m.id == *id) else {
            return Err(format!("--owned names `{id}`, which no --member declares"));
        };
        for item in items(list) {
            if item.is_empty() {
                return Err(format!(
                    "--owned `{id}:{list}`: an empty item between commas"
                ));
            }
            m.owned.push(parse_topic_partition(item, &topics)?);
        }
    }
    check_general_sticky(&kind, &topics, &members)?;
    let lines = match kind {
        Kind::Client(a) => client(a, &topics, &members)?,
        Kind::Server(a) => server(a, &topics, &members)?,
    };
    for (m, parts) in members.iter().zip(lines) {
        out!("{}\t{}", m.id, parts.join(","));
    }
    Ok(0)
}

/// The sticky assignors' general path, taken when members subscribe to different topics
/// (`AbstractStickyAssignor.generalAssign`), asks after each partition it moves whether the
/// assignment is balanced, which reads every member's topics: Kafka's algorithm does work that
/// grows with partitions × members × moves. 2,000 members on 20,000 partitions take 1.6 s.
fn check_general_sticky(
    kind: &Kind,
    topics: &PartitionsPerTopic,
    members: &[Member],
) -> Result<(), String> {
    if !matches!(
        kind,
        Kind::Client(ClientAssignor::Sticky | ClientAssignor::CooperativeSticky)
    ) {
        return Ok(());
    }
    fn set(m: &Member) -> BTreeSet<&String> {
        m.topics.iter().collect()
    }
    let first = set(&members[0]);
    if members.iter().all(|m| set(m) == first) {
        return Ok(());
    }
    let subscribed: BTreeSet<&String> = members.iter().flat_map(|m| &m.topics).collect();
    let partitions: u64 = subscribed.iter().map(|t| topics[*t].max(0) as u64).sum();
    let pairs = partitions.saturating_mul(members.len() as u64);
    if pairs > MAX_GENERAL_STICKY_PAIRS {
        return Err(format!(
            "{partitions} partitions × {} members with different subscriptions is more than \
             khafka assign takes for the sticky assignors ({MAX_GENERAL_STICKY_PAIRS} \
             partition-member pairs): their general path, as Kafka's, does work that grows \
             with partitions × members × partitions moved",
            members.len()
        ));
    }
    Ok(())
}

fn usage() -> &'static str {
    "usage: khafka assign --assignor range|roundrobin|sticky|cooperative-sticky|uniform|server-range --topic NAME:PARTITIONS ... --member ID[/INSTANCE]:TOPIC[,TOPIC...] ... [--owned ID:TOPIC-P[,TOPIC-P...]] ..."
}

/// Kafka's legal topic name: 1 to 249 of `[a-zA-Z0-9._-]`.
fn check_topic_name(name: &str) -> Result<(), String> {
    let legal = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty()
        || name.len() > 249
        || !name.chars().all(legal)
        || name == "."
        || name == ".."
    {
        return Err(format!(
            "`{name}` is not a legal Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -)"
        ));
    }
    Ok(())
}

fn parse_topic(v: &str) -> Result<(String, i32), String> {
    let (name, count) = v
        .rsplit_once(':')
        .ok_or_else(|| format!("--topic `{v}`: expected NAME:PARTITIONS"))?;
    check_topic_name(name)?;
    let n: i32 = count.parse().map_err(|_| {
        format!(
            "--topic `{v}`: the partition count must be a whole number from 1 to {MAX_PARTITIONS}"
        )
    })?;
    if n < 1 {
        return Err(format!("--topic `{v}`: a topic has at least one partition"));
    }
    Ok((name.to_string(), n))
}

fn parse_member(v: &str) -> Result<Member, String> {
    let (who, list) = v
        .rsplit_once(':')
        .ok_or_else(|| format!("--member `{v}`: expected ID[/INSTANCE]:TOPIC[,TOPIC...]"))?;
    let (id, instance) = match who.split_once('/') {
        Some((id, inst)) if !inst.is_empty() => (id, Some(inst.to_string())),
        Some(_) => {
            return Err(format!(
                "--member `{v}`: the instance id after `/` is empty"
            ))
        }
        None => (who, None),
    };
    if id.is_empty() {
        return Err(format!("--member `{v}`: the member id is empty"));
    }
    let mut topics = Vec::new();
    for t in items(list) {
        if t.is_empty() {
            return Err(format!(
                "--member `{v}`: an empty topic name between commas"
            ));
        }
        if topics.iter().any(|x| x == t) {
            return Err(format!("--member `{v}`: topic `{t}` is listed twice"));
        }
        topics.push(t.to_string());
    }
    Ok(Member {
        id: id.to_string(),
        instance,
        topics,
        owned: Vec::new(),
    })
}

/// A comma-separated list's items: none for an empty list (a member subscribed to nothing, or
/// owning nothing), else every item, empty ones included so they can be refused.
fn items(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').filter(move |_| !list.is_empty())
}

fn parse_topic_partition(
    item: &str,
    topics: &PartitionsPerTopic,
) -> Result<TopicPartition, String> {
    let (topic, p) = item
        .rsplit_once('-')
        .ok_or_else(|| format!("`{item}` is not TOPIC-PARTITION"))?;
    let count = topics
        .get(topic)
        .ok_or_else(|| format!("`{item}`: no --topic declares `{topic}`"))?;
    let p: i32 = p
        .parse()
        .map_err(|_| format!("`{item}` is not TOPIC-PARTITION"))?;
    if p < 0 || p >= *count {
        return Err(format!(
            "`{item}`: `{topic}` has partitions 0 to {}",
            count - 1
        ));
    }
    Ok(TopicPartition::new(topic, p))
}

fn client(
    a: ClientAssignor,
    topics: &PartitionsPerTopic,
    members: &[Member],
) -> Result<Vec<Vec<String>>, String> {
    // Every member's owned partitions come from the current generation, so a partition two
    // members claim is, as in Kafka, taken from both and assigned afresh.
    let subs: Vec<Subscription> = members
        .iter()
        .map(|m| Subscription {
            member_id: m.id.clone(),
            group_instance_id: m.instance.clone(),
            topics: m.topics.clone(),
            owned_partitions: m.owned.clone(),
            generation: Some(1),
        })
        .collect();
    validate(topics, &subs)?;
    let result = a.assign(topics, &subs);
    for m in members {
        if m.topics.is_empty() && !result[&m.id].is_empty() {
            eprintln!(
                "note: `{}` subscribes to no topic yet gets partitions: Kafka's \
                 AbstractStickyAssignor.allSubscriptionsEqual starts over from the next member \
                 when the first one it visits has an empty subscription, so it takes the \
                 equal-subscriptions path",
                m.id
            );
        }
    }
    Ok(members
        .iter()
        .map(|m| {
            let mut parts: Vec<&TopicPartition> = result[&m.id].iter().collect();
            parts.sort();
            parts.iter().map(|tp| tp.to_string()).collect()
        })
        .collect())
}

fn server(
    a: ServerAssignor,
    topics: &PartitionsPerTopic,
    members: &[Member],
) -> Result<Vec<Vec<String>>, String> {
    let mut owner: BTreeMap<&TopicPartition, &str> = BTreeMap::new();
    let mut instances = BTreeSet::new();
    for m in members {
        if let Some(i) = &m.instance {
            if !instances.insert(i) {
                return Err(format!(
                    "group.instance.id `{i}` is given to two members (the coordinator fences the older one)"
                ));
            }
        }
        for tp in &m.owned {
            if let Some(other) = owner.insert(tp, &m.id) {
                return Err(format!(
                    "{tp} is owned by `{other}` and `{}`: a target assignment gives each partition to one member",
                    m.id
                ));
            }
        }
    }
    // The coordinator's `GroupSpec` holds members in a `HashMap`: Java hash order of the ids.
    let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    let specs: Vec<MemberSpec> = hash_map_order(&ids)
        .into_iter()
        .map(|i| {
            let m = &members[i];
            let mut spec = MemberSpec {
                member_id: m.id.clone(),
                instance_id: m.instance.clone(),
                topics: m.topics.iter().cloned().collect(),
                ..MemberSpec::default()
            };
            for tp in &m.owned {
                spec.assignment
                    .entry(tp.topic.clone())
                    .or_default()
                    .insert(tp.partition);
            }
            spec
        })
        .collect();
    let result = a.assign(topics, &specs).map_err(|e| e.0)?;
    Ok(members
        .iter()
        .map(|m| {
            result[&m.id]
                .iter()
                .flat_map(|(t, ps)| ps.iter().map(move |p| format!("{t}-{p}")))
                .collect()
        })
        .collect())
}
