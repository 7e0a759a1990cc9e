//! Charts of a Khafka run, drawn as SVG.
//!
//! Each chart is data first ([`LineChart`]: a title, axis names with units, named series, the run's
//! faults and the current instant) built from the engine's metrics, then drawn by [`to_svg`] as an
//! SVG document of the size it will be shown at — natively for snapshot tests, in the browser for
//! the site. The drawing is written here rather than with a plotting library: it needs axes,
//! ticks, lines, markers, a legend and labelled vertical lines, and doing that by hand is a few
//! hundred lines where a library cost the site about 35 KB of its gzip size. Text is placed with
//! `text-anchor`, so nothing has to measure text. Colours come from the Okabe–Ito colour-blind-safe
//! palette, and every series also has its own marker shape and a legend label, so no information is
//! carried by colour alone.

use khafka_sim::metrics::Metrics;
use std::fmt::Write;

/// Okabe–Ito: blue, vermillion, bluish green, orange, reddish purple, sky blue.
const PALETTE: [&str; 6] = [
    "#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    /// `(x, y)` points, x ascending.
    pub points: Vec<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// The y values are counts: ticks only at whole numbers, printed without decimals.
    pub integer_y: bool,
    /// The x axis runs to here (the run's end) even while the series stop earlier, so a chart
    /// drawn while the run plays does not rescale.
    pub x_max: Option<f64>,
    /// Labelled vertical lines (the faults of the run): `(x, label)`.
    pub markers: Vec<(f64, String)>,
    /// A vertical line at the current instant.
    pub cursor: Option<f64>,
    /// Why the series start late: a short text at the foot of the plot, centred over the span
    /// from x = 0 to the first point, when it fits there (the lag chart before a first commit).
    pub empty_until: Option<(f64, String)>,
}

impl LineChart {
    /// The same chart with the run's end, its faults and the current instant marked.
    pub fn with_time(
        mut self,
        x_max: f64,
        markers: Vec<(f64, String)>,
        cursor: Option<f64>,
    ) -> Self {
        self.x_max = Some(x_max);
        self.markers = markers;
        self.cursor = cursor;
        self
    }
}

fn series_from(metrics: &Metrics, name: &str, label: &str) -> Option<Series> {
    let values = metrics.series.iter().find(|(k, _)| **k == name)?.1;
    Some(Series {
        name: label.to_string(),
        points: metrics
            .time_us
            .iter()
            .zip(values)
            .map(|(t, v)| (*t as f64 / 1e6, *v))
            .collect(),
    })
}

fn chart(title: &str, y_label: &str, metrics: &Metrics, names: &[(&str, &str)]) -> LineChart {
    LineChart {
        integer_y: true,
        x_max: None,
        markers: Vec::new(),
        cursor: None,
        empty_until: None,
        title: title.to_string(),
        x_label: "simulated time (s)".to_string(),
        y_label: y_label.to_string(),
        series: names
            .iter()
            .filter_map(|(n, l)| series_from(metrics, n, l))
            .collect(),
    }
}

/// The records chart's line of deleted records.
const DELETED: &str = "deleted (retention, compaction, DeleteRecords)";

/// Records produced, acknowledged and committed over time, and deleted (retention, compaction,
/// DeleteRecords) in a run that can delete any, from its start.
pub fn records(metrics: &Metrics) -> LineChart {
    let mut c = chart(
        "Records over time",
        "records (total)",
        metrics,
        &[
            ("RecordsSent", "sent"),
            ("RecordsAcknowledged", "acknowledged"),
            ("RecordsCommitted", "committed (below HW)"),
            ("RecordsConsumed", "consumed"),
            ("RecordsDeleted", DELETED),
        ],
    );
    c.series
        .retain(|s| s.name != DELETED || metrics.may_delete || s.points.iter().any(|p| p.1 > 0.0));
    c
}

/// Acknowledged records that are not where a consumer could read them: lost (absent from their
/// leader's log), unavailable (no leader), and records written twice.
pub fn acked_lost(metrics: &Metrics) -> LineChart {
    chart(
        "Acknowledged records lost, offline or written twice",
        "records (total)",
        metrics,
        &[
            ("RecordsAckedLost", "acknowledged, then lost"),
            ("RecordsUnavailable", "acknowledged, leader offline"),
            ("RecordsDuplicated", "duplicated"),
        ],
    )
}

/// Produce latency percentiles, for each `acks` value that was used.
pub fn latency(metrics: &Metrics) -> LineChart {
    let mut c = chart(
        "Produce latency by acks",
        "latency (ms)",
        metrics,
        &[
            ("ProduceLatencyP50Ms.acks=0", "p50 acks=0"),
            ("ProduceLatencyP99Ms.acks=0", "p99 acks=0"),
            ("ProduceLatencyP50Ms.acks=1", "p50 acks=1"),
            ("ProduceLatencyP99Ms.acks=1", "p99 acks=1"),
            ("ProduceLatencyP50Ms.acks=all", "p50 acks=all"),
            ("ProduceLatencyP99Ms.acks=all", "p99 acks=all"),
        ],
    );
    c.series.retain(|s| s.points.iter().any(|p| p.1 > 0.0));
    c.integer_y = false;
    // Seconds before the first acknowledgement have no latency (not a latency of 0 ms): no point,
    // and the empty start says why.
    let acked = metrics
        .series
        .iter()
        .find(|(k, _)| **k == "RecordsAckedPerSec");
    let lead = acked.map_or(0, |(_, v)| v.iter().take_while(|v| **v == 0.0).count());
    if lead > 0 {
        for s in &mut c.series {
            s.points.drain(..lead.min(s.points.len()));
        }
        c.empty_until = metrics
            .time_us
            .get(lead - 1)
            .map(|t| (*t as f64 / 1e6, "nothing acknowledged yet".to_string()));
    }
    c
}

/// Throughput: records acknowledged per second, each second of the run.
pub fn throughput(metrics: &Metrics) -> LineChart {
    chart(
        "Throughput",
        "records/s",
        metrics,
        &[("RecordsAckedPerSec", "acknowledged records/s")],
    )
}

/// Bytes on the wire: the compressed batches acknowledged per second, each second of the run
/// (what `compression.type` and `linger.ms` change when records a second do not).
pub fn throughput_bytes(metrics: &Metrics) -> LineChart {
    chart(
        "Bytes on the wire",
        "bytes/s",
        metrics,
        &[(
            "BytesAckedPerSec",
            "acknowledged bytes/s (compressed batches)",
        )],
    )
}

/// Consumer lag. With consumer groups, one line per group: its lag as its coordinator has it —
/// the high watermark minus the committed offset, summed over the group's partitions, the sum of
/// `kafka-consumer-groups --describe`'s LAG column, and, in a group that resets to earliest, each
/// partition without a commit from its log start (where its next owner starts) — with no point
/// while nothing counts or its coordinator is failing over. Without groups, the consumers' fetch positions
/// behind the high watermarks (`records-lag`, all partitions).
pub fn consumer_lag(metrics: &Metrics) -> LineChart {
    if metrics.group_lag.is_empty() {
        return chart(
            "Consumer lag",
            "records behind the HW",
            metrics,
            &[("ConsumerLag", "lag (all partitions)")],
        );
    }
    let mut c = chart(
        "Consumer lag by group",
        "records behind the HW",
        metrics,
        &[],
    );
    c.series = metrics
        .group_lag
        .iter()
        .map(|(group, values)| Series {
            name: format!("{group} (committed)"),
            points: metrics
                .time_us
                .iter()
                .zip(values)
                .filter_map(|(t, v)| v.map(|v| (*t as f64 / 1e6, v)))
                .collect(),
        })
        .collect();
    let first = c
        .series
        .iter()
        .filter_map(|s| s.points.first())
        .map(|p| p.0);
    c.empty_until = first
        .reduce(f64::min)
        .filter(|x| *x > 0.0)
        .map(|x| (x, "no commit yet".to_string()));
    c
}

/// ISR sizes and under-replicated / offline partitions.
pub fn isr(metrics: &Metrics) -> LineChart {
    chart(
        "ISR size and partition health",
        "replicas / partitions",
        metrics,
        &[
            ("IsrSizeMin", "smallest ISR"),
            ("IsrSizeAvg", "average ISR"),
            ("UnderReplicatedPartitions", "UnderReplicatedPartitions"),
            ("OfflinePartitionsCount", "OfflinePartitionsCount"),
        ],
    )
}

/// `(x_max, y_min, y_max)`: x to the run's end if known; y with headroom, whole for counts.
fn bounds(c: &LineChart) -> (f64, f64, f64) {
    let pts = c.series.iter().flat_map(|s| s.points.iter());
    let x_data = pts.clone().map(|p| p.0).fold(0.0, f64::max);
    let x_max = c.x_max.unwrap_or(x_data).max(x_data).max(1.0);
    let y_max = pts.clone().map(|p| p.1).fold(0.0, f64::max);
    let y_min = pts.map(|p| p.1).fold(0.0, f64::min);
    let top = if y_max > y_min {
        y_max * 1.05
    } else {
        y_min + 1.0
    };
    if c.integer_y {
        (x_max, y_min.floor(), top.ceil().max(y_min.floor() + 1.0))
    } else {
        (x_max, y_min, top)
    }
}

/// Text sizes in pixels of the drawn chart: drawn at the size it is shown, so these are what the
/// reader sees (12–15 px).
const TITLE_PX: u32 = 15;
const TEXT_PX: u32 = 13;
const MARKER_PX: u32 = 12;
/// The height of a row of fault labels in the band above the plot.
const MARKER_ROW_PX: f64 = 14.0;
const LEGEND_ROW_PX: u32 = 20;

/// An estimate of a label's width at [`TEXT_PX`] (legend and fault labels are laid out by it).
fn text_width(s: &str) -> u32 {
    s.chars().count() as u32 * 7 + 4
}

/// Legend rows for `width` pixels: each item is `(series index, x offset)`.
fn legend_rows(c: &LineChart, width: u32) -> Vec<Vec<(usize, u32)>> {
    let mut rows: Vec<Vec<(usize, u32)>> = vec![Vec::new()];
    let mut x = 8;
    for (i, s) in c.series.iter().enumerate() {
        let w = 26 + text_width(&s.name) + 14;
        if x + w > width && x > 8 {
            rows.push(Vec::new());
            x = 8;
        }
        rows.last_mut().expect("one row").push((i, x));
        x += w;
    }
    rows
}

/// Ticks from `lo` to `hi`: about `n`, a step of 1, 2 or 5 times a power of ten (at least 1 for
/// whole numbers), starting at a multiple of the step.
fn ticks(lo: f64, hi: f64, n: usize, whole: bool) -> Vec<f64> {
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powi(raw.log10().floor() as i32);
    let mut step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    if whole {
        step = step.max(1.0).round();
    }
    let mut out = Vec::new();
    let mut t = (lo / step).ceil() * step;
    while t <= hi + step * 1e-9 && out.len() < 50 {
        out.push(t);
        t += step;
    }
    out
}

/// A tick label: whole numbers without decimals, others with one.
fn label(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Text for SVG: the markup characters escaped (fault labels come from the reader's scenario).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A shape per series index, centred on `(x, y)`: circle, triangle, square, cross, repeating.
fn marker(out: &mut String, i: usize, x: f64, y: f64) {
    let color = PALETTE[i % PALETTE.len()];
    let _ = match i % 4 {
        0 => write!(
            out,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{color}"/>"#
        ),
        1 => write!(
            out,
            r#"<path d="M{x:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z" fill="{color}"/>"#,
            y - 5.0,
            x + 4.5,
            y + 3.5,
            x - 4.5,
            y + 3.5
        ),
        2 => write!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="7" height="7" fill="{color}"/>"#,
            x - 3.5,
            y - 3.5
        ),
        _ => write!(
            out,
            r#"<path d="M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}" stroke="{color}" stroke-width="2"/>"#,
            x - 4.0,
            y - 4.0,
            x + 4.0,
            y + 4.0,
            x - 4.0,
            y + 4.0,
            x + 4.0,
            y - 4.0
        ),
    };
}

/// Renders `c` as an SVG document of `width` × `height` pixels: the title, the plot with its axes,
/// fault markers with their labels and a cursor at the current instant, and the legend below the
/// plot (never over the data). Errors are strings: they only cross to the UI.
pub fn to_svg(c: &LineChart, width: u32, height: u32) -> Result<String, String> {
    if width < 120 || height < 120 {
        return Err(format!("{width}×{height} px is too small for a chart"));
    }
    let rows = legend_rows(c, width);
    let legend_h = rows.len() as u32 * LEGEND_ROW_PX + 4;
    let (x_max, y_min, y_max) = bounds(c);
    // The plot area, in pixels: room for the title above, tick labels and the axis names to the
    // left and below, half a tick label to the right (so the last tick is not clipped).
    let y_ticks = ticks(y_min, y_max, 5, c.integer_y);
    // Room on the left for the rotated axis name and the widest tick label.
    let widest = y_ticks
        .iter()
        .map(|t| text_width(&label(*t)))
        .max()
        .unwrap_or(0);
    let (left, right) = (28.0 + widest as f64, width as f64 - 18.0);
    let px = |x: f64| left + x / x_max * (right - left);
    // Faults: a dashed line each, labelled in a band above the plot, so no label hides a line's
    // data. A label goes on the first of three rows where it does not run into the previous
    // label (below, the sides it may take). Labels are drawn last, on a white halo, so a line
    // that reaches up to a higher row does not run through them.
    // Up to three rows, as many as leave the plot 60 px.
    let rows_fit = (((height - legend_h) as f64 - 36.0 - 26.0 - 60.0) / MARKER_ROW_PX)
        .floor()
        .clamp(0.0, 3.0) as usize;
    let mut row_ends = [f64::MIN; 3];
    let row_ends = &mut row_ends[..rows_fit];
    // A label goes to the right of its line, or to the left where the right has no room (the
    // chart's edge, or a row taken there): the first free row of either side. A label with no
    // free row is left out (its line keeps it as a tooltip) rather than drawn over another.
    let faults: Vec<(f64, String, bool, Option<usize>)> = c
        .markers
        .iter()
        .map(|(x, text)| {
            let x = px(x.clamp(0.0, x_max));
            // A fault is marked ⚡; a marker with its own sign (a rebalance's ↻) keeps it.
            let text = if text.starts_with('↻') {
                text.clone()
            } else {
                format!("⚡ {text}")
            };
            let w = text_width(&text) as f64 * MARKER_PX as f64 / TEXT_PX as f64;
            for (from, to) in [(x + 3.0, x + 3.0 + w), (x - 3.0 - w, x - 3.0)] {
                if from < 2.0 || to > width as f64 - 2.0 {
                    continue;
                }
                if let Some(r) = row_ends.iter().position(|end| from > end + 4.0) {
                    row_ends[r] = row_ends[r].max(to);
                    return (x, text, to < x, Some(r));
                }
            }
            (x, text, false, None)
        })
        .collect();
    let band = row_ends.iter().filter(|e| **e > f64::MIN).count() as f64 * MARKER_ROW_PX;
    let (top, bottom) = (26.0 + band, (height - legend_h) as f64 - 36.0);
    if bottom - top < 40.0 {
        return Err(format!("{width}×{height} px leaves no room for the plot"));
    }
    let py = |y: f64| bottom - (y - y_min) / (y_max - y_min) * (bottom - top);
    let mut o = String::with_capacity(8192);
    let _ = write!(
        o,
        r##"<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="{TEXT_PX}"><rect width="{width}" height="{height}" fill="#FFFFFF"/>"##
    );
    let _ = write!(
        o,
        r#"<text x="{:.1}" y="17" text-anchor="middle" font-size="{TITLE_PX}" font-weight="bold">{}</text>"#,
        width as f64 / 2.0,
        esc(&c.title)
    );
    // Grid and ticks.
    let x_ticks = ticks(0.0, x_max, ((width / 90) as usize).clamp(3, 10), false);
    for t in &x_ticks {
        let x = px(*t);
        let _ = write!(
            o,
            r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{bottom}" stroke="#EBEBEB"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            bottom + 16.0,
            label(*t)
        );
    }
    for t in &y_ticks {
        let y = py(*t);
        let _ = write!(
            o,
            r##"<line x1="{left}" y1="{y:.1}" x2="{right}" y2="{y:.1}" stroke="#EBEBEB"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            left - 5.0,
            y + 4.5,
            label(*t)
        );
    }
    let _ = write!(
        o,
        r##"<path d="M{left} {top}V{bottom}H{right}" fill="none" stroke="#000000"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"##,
        (left + right) / 2.0,
        bottom + 31.0,
        esc(&c.x_label),
        (top + bottom) / 2.0,
        esc(&c.y_label)
    );
    let mut labels = String::new();
    for (x, text, to_left, row) in &faults {
        // A labelled line reaches up to its label's row.
        let y1 = row.map_or(top, |r| top - band + r as f64 * MARKER_ROW_PX + 1.0);
        let _ = write!(
            o,
            r##"<line class="fault" x1="{x:.1}" y1="{y1:.1}" x2="{x:.1}" y2="{bottom}" stroke="#6E6E6E" stroke-dasharray="4 3"><title>{}</title></line>"##,
            esc(text)
        );
        let Some(row) = row else { continue };
        let _ = write!(
            labels,
            r##"<text class="fault-label" x="{:.1}" y="{:.1}" text-anchor="{}" font-size="{MARKER_PX}" fill="#3C3C3C" stroke="#FFFFFF" stroke-width="4" stroke-linejoin="round" paint-order="stroke">{}</text>"##,
            if *to_left { x - 3.0 } else { x + 3.0 },
            top - band + 11.0 + *row as f64 * MARKER_ROW_PX,
            if *to_left { "end" } else { "start" },
            esc(text)
        );
    }
    if let Some(now) = c.cursor {
        let x = px(now.clamp(0.0, x_max));
        let _ = write!(
            o,
            r##"<line class="cursor" x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{bottom}" stroke="#000000" stroke-width="2"/>"##
        );
    }
    // Series: a line each, and a marker every few points so series differ by shape as well.
    for (i, s) in c.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let points: Vec<(f64, f64)> = s.points.iter().map(|(x, y)| (px(*x), py(*y))).collect();
        o.push_str(r#"<polyline fill="none" stroke-width="2" stroke=""#);
        o.push_str(color);
        o.push_str(r#"" points=""#);
        for (x, y) in &points {
            let _ = write!(o, "{x:.1},{y:.1} ");
        }
        o.push_str(r#""/>"#);
        // Each series' markers start a little further along than the previous series', so
        // series that coincide (acknowledged, committed and consumed in a healthy run) still show
        // each one's marker along the shared line.
        let every = (points.len() / 8).max(1);
        let n = c.series.len().max(1);
        for (x, y) in points.iter().skip(i * every / n).step_by(every) {
            marker(&mut o, i, *x, *y);
        }
    }
    if let Some((until, text)) = &c.empty_until {
        let span = px(until.clamp(0.0, x_max)) - left;
        if span > text_width(text) as f64 * MARKER_PX as f64 / TEXT_PX as f64 + 8.0 {
            let _ = write!(
                o,
                r##"<text class="empty-note" x="{:.1}" y="{:.1}" text-anchor="middle" font-size="{MARKER_PX}" fill="#6E6E6E">{}</text>"##,
                left + span / 2.0,
                bottom - 8.0,
                esc(text)
            );
        }
    }
    o.push_str(&labels);
    // The legend, below the plot.
    let legend_top = (height - legend_h) as f64;
    for (r, row) in rows.iter().enumerate() {
        let y = legend_top + (r as u32 * LEGEND_ROW_PX + LEGEND_ROW_PX / 2 + 2) as f64;
        for (i, x) in row {
            let x = *x as f64;
            let _ = write!(
                o,
                r#"<line x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="{}" stroke-width="2"/>"#,
                x + 20.0,
                PALETTE[i % PALETTE.len()]
            );
            marker(&mut o, *i, x + 10.0, y);
            let _ = write!(
                o,
                r#"<text x="{}" y="{}">{}</text>"#,
                x + 26.0,
                y + 4.5,
                esc(&c.series[*i].name)
            );
        }
    }
    o.push_str("</svg>");
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use khafka_sim::spec::{BrokerRef, Fault, ProducerSpec, ScenarioSpec, Scheduled, TopicSpec};
    use khafka_sim::{Sim, SimTime};

    fn run() -> Sim {
        let mut spec = ScenarioSpec {
            seed: 1,
            run_for: SimTime::from_secs(20),
            ..ScenarioSpec::default()
        };
        spec.topics.push(TopicSpec::new("t", 2, 3));
        spec.producers.push(ProducerSpec::new("p", "t"));
        spec.consumers
            .push(khafka_sim::spec::ConsumerSpec::new("c", "t"));
        spec.schedule.push(Scheduled {
            at: SimTime::from_secs(5),
            fault: Fault::Crash {
                broker: BrokerRef::Id(1),
                lose_unflushed: false,
            },
        });
        let mut sim = Sim::new(spec);
        sim.run();
        sim
    }

    /// A producer that starts at 3 s has no latency before then: no point at 0 ms, and the
    /// empty start says why.
    #[test]
    fn latency_starts_at_the_first_acknowledgement() {
        let mut spec = ScenarioSpec {
            seed: 1,
            run_for: SimTime::from_secs(6),
            ..ScenarioSpec::default()
        };
        spec.topics.push(TopicSpec::new("t", 2, 3));
        let mut p = ProducerSpec::new("p", "t");
        p.start = SimTime::from_secs(3);
        spec.producers.push(p);
        let mut sim = Sim::new(spec);
        sim.run();
        let c = latency(sim.metrics());
        let first = c.series[0].points[0];
        assert!(first.0 > 3.0 && first.1 > 0.0, "{first:?}");
        assert_eq!(
            c.empty_until,
            Some((3.0, "nothing acknowledged yet".to_string()))
        );
    }

    #[test]
    fn charts_render_with_axes_units_and_legends() {
        let sim = run();
        // A run that deletes nothing has no `deleted` line; one whose retention deletes has it,
        // ending at what the run deleted.
        let deleted = |c: &LineChart| {
            c.series
                .iter()
                .find(|s| s.name == DELETED)
                .map(|s| s.points.last().unwrap().1)
        };
        assert_eq!(deleted(&records(sim.metrics())), None);
        let s = khafka_scenario::parse(
            "cluster brokers=3 log.retention.check.interval.ms=1000\n\
             topic logs partitions=1 replication.factor=3 segment.ms=2000 retention.ms=10000\n\
             producer p1 topic=logs rate=100/s\nrun 40s\n",
        )
        .unwrap();
        let mut retained = Sim::with_options(s.spec.clone(), s.sim_options());
        retained.run_until(s.spec.run_for);
        let gone = retained.outcome().provenance.deleted;
        assert!(gone > 0);
        assert_eq!(deleted(&records(retained.metrics())), Some(gone as f64));
        // The line is there from the start, before anything is deleted: it does not appear (and
        // move the legend) when playback passes the first deletion (review of session 55, #10).
        let mut early = Sim::with_options(s.spec.clone(), s.sim_options());
        early.run_until(SimTime::from_secs(5));
        assert_eq!(early.outcome().provenance.deleted, 0);
        assert_eq!(deleted(&records(early.metrics())), Some(0.0));
        for (chart, must) in [
            (
                records(sim.metrics()),
                vec!["sent", "acknowledged", "committed (below HW)"],
            ),
            (
                acked_lost(sim.metrics()),
                vec!["acknowledged, then lost", "acknowledged, leader offline"],
            ),
            (latency(sim.metrics()), vec!["p50 acks=all", "p99 acks=all"]),
            (throughput(sim.metrics()), vec!["acknowledged records/s"]),
            (consumer_lag(sim.metrics()), vec!["lag (all partitions)"]),
            (
                isr(sim.metrics()),
                vec!["smallest ISR", "UnderReplicatedPartitions"],
            ),
        ] {
            let svg = to_svg(&chart, 640, 320).unwrap();
            assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
            assert!(svg.contains(&chart.title));
            assert!(svg.contains("simulated time (s)"));
            assert!(svg.contains(&chart.y_label));
            for label in must {
                assert!(svg.contains(label), "{} lacks {label}", chart.title);
            }
        }
        // Counts get whole-number ticks (no "2000.0"); faults and the current instant are marked.
        let marked = records(sim.metrics()).with_time(
            20.0,
            vec![(5.0, "crash broker 1".into())],
            Some(12.0),
        );
        let svg = to_svg(&marked, 360, 240).unwrap();
        assert!(svg.contains("crash broker 1"), "fault label");
        // Fault labels sit in a band above the plot, so no label hides a line's data: the
        // label's baseline is above the plot's top edge (its axis path `M{left} {top}V…`).
        let label_at = svg.find(r#"class="fault-label""#).expect("a fault label");
        let attr = |from: &str, name: &str| -> f64 {
            let at = from.find(name).expect(name) + name.len();
            from[at..]
                .split(['"', ' '])
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        let label_y = attr(&svg[label_at..], r#" y=""#);
        let axis = r#"<path d="M"#;
        let axis = &svg[svg.find(axis).expect("the axes") + axis.len()..];
        let top: f64 = axis
            .split('V')
            .next()
            .and_then(|m| m.split(' ').nth(1))
            .and_then(|t| t.parse().ok())
            .expect("the plot's top");
        assert!(label_y < top, "label at y {label_y}, plot from {top}");
        assert!(svg.contains(r#"class="cursor" x1="#), "the cursor");
        // Five faults within a second: three labels fit, one a row; the others are not drawn
        // over them, and every fault line names its fault as a tooltip.
        let crowded = records(sim.metrics()).with_time(
            20.0,
            (0..5)
                .map(|i| (5.0 + i as f64 * 0.2, format!("crash broker {i}")))
                .collect(),
            None,
        );
        let svg = to_svg(&crowded, 640, 320).unwrap();
        assert_eq!(svg.matches(r#"class="fault-label""#).count(), 3);
        assert_eq!(svg.matches("<title>⚡ crash broker").count(), 5);
        // A marker in the chart's last third whose label fits to the right of its line is
        // labelled there when the rows to its left are taken (walk 12: the lag chart's 29 s
        // rebalance, unlabelled under three faults' labels).
        let reset = records(sim.metrics()).with_time(
            40.0,
            vec![
                (22.0, "stop consumer a1".into()),
                (24.0, "reset-offsets audit orders to-earliest".into()),
                (26.0, "restart consumer a1".into()),
                (29.0, "↻ audit generation 3".into()),
            ],
            None,
        );
        let svg = to_svg(&reset, 940, 320).unwrap();
        assert_eq!(svg.matches(r#"class="fault-label""#).count(), 4, "{svg}");
        assert!(svg.contains(">↻ audit generation 3</text>"));
        // Seven-digit ticks do not run into the rotated axis name (drawn at x = 14, 13 px tall).
        let big = LineChart {
            series: vec![Series {
                name: "sent".into(),
                points: vec![(0.0, 0.0), (60.0, 1_200_000.0)],
            }],
            ..records(sim.metrics())
        };
        let svg = to_svg(&big, 400, 240).unwrap();
        for part in svg.split(r#"text-anchor="end">"#).skip(1) {
            let before = &svg[..svg.find(part).unwrap()];
            let x: f64 = before
                .rsplit("<text x=\"")
                .next()
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            let text = part.split('<').next().unwrap();
            assert!(
                x - text_width(text) as f64 >= 22.0,
                "tick {text} at x={x} overlaps the axis name"
            );
        }
        // Fault labels come from the reader's scenario: markup in them is escaped.
        let odd = records(sim.metrics()).with_time(
            20.0,
            vec![(1.0, "partition {1} -> {<b>}".into())],
            None,
        );
        let odd = to_svg(&odd, 360, 240).unwrap();
        assert!(
            odd.contains("-&gt; {&lt;b&gt;}") && !odd.contains("<b>"),
            "escaped"
        );
        assert!(!svg.contains(".0</text>"), "a count tick with a decimal");
        assert!(
            svg.contains(">20</text>"),
            "the run's end is the last x tick"
        );
        let sizes: Vec<f64> = svg
            .split("font-size=\"")
            .skip(1)
            .filter_map(|t| t.split('"').next()?.parse().ok())
            .collect();
        assert!(
            !sizes.is_empty() && sizes.iter().all(|s| (11.9..=15.1).contains(s)),
            "text 12-15 px as drawn: {sizes:?}"
        );
        let lat = latency(sim.metrics());
        assert!(
            lat.series.iter().all(|s| s.name.contains("acks=all")),
            "only the acks used"
        );
        let isr = isr(sim.metrics());
        let smallest = &isr.series[0].points;
        assert_eq!(smallest.first().unwrap().1, 3.0);
        assert_eq!(smallest.last().unwrap().1, 2.0, "broker 1 left every ISR");
    }

    /// The lag chart's lines are each group's lag as the engine reports it: at every sample, the
    /// sum of the LAG column of `kafka-consumer-groups --describe` (`Sim::group_view`), through a
    /// member crash, a rebalance and a coordinator failover (no point while the coordinator is not
    /// loaded).
    #[test]
    fn lag_by_group_agrees_with_the_groups_lag_column_at_every_sample() {
        let scenario = khafka_scenario::parse(
            "seed 4
cluster brokers=3
topic orders partitions=3 replication.factor=3
producer p1 topic=orders acks=all rate=200/s
consumer c1 topic=orders group.id=billing auto.offset.reset=earliest session.timeout.ms=6000
consumer c2 topic=orders group.id=billing auto.offset.reset=earliest session.timeout.ms=6000
consumer a1 topic=orders group.id=audit auto.offset.reset=earliest sim.processing.time.ms=8
at 8s crash consumer c2
at 14s crash broker 2
run 30s
",
        )
        .expect("parses");
        let opts = khafka_sim::SimOptions {
            check_invariants: false,
            ..scenario.sim_options()
        };
        let mut sim = Sim::with_options(scenario.spec.clone(), opts);
        let (mut samples, mut with_lag) = (0, 0);
        let end = scenario.spec.run_for;
        while sim.now() <= end && sim.step() {
            let m = sim.metrics();
            if m.time_us.last() != Some(&sim.now().as_us()) || m.time_us.len() == samples {
                continue;
            }
            samples = m.time_us.len();
            let chart = consumer_lag(m);
            assert_eq!(chart.series.len(), 2, "one line per group");
            for (group, series) in [("billing", &chart.series[0]), ("audit", &chart.series[1])] {
                assert_eq!(series.name, format!("{group} (committed)"));
                let view = sim.group_view(group).expect("a group of the scenario");
                // The lag column, and each partition without a commit from its log start
                // (both groups reset to earliest).
                let lags: Vec<u64> = view
                    .partitions
                    .iter()
                    .filter_map(|p| p.lag.or(p.unread_from_log_start))
                    .collect();
                let now = sim.now().as_us() as f64 / 1e6;
                let point = series.points.last().filter(|p| p.0 == now).map(|p| p.1);
                if lags.is_empty() {
                    assert_eq!(point, None, "{group} at {now}s: nothing counts, no point");
                } else {
                    assert_eq!(
                        point,
                        Some(lags.iter().sum::<u64>() as f64),
                        "{group} at {now}s: {:?}",
                        view.partitions
                    );
                    with_lag += (point > Some(0.0)) as u32;
                }
            }
        }
        assert!(samples >= 30, "{samples} samples");
        assert!(with_lag > 20, "the groups lag behind: {with_lag} samples");
        // `audit` processes 8 ms a record, 125 a second, against 200 produced: it falls behind.
        let audit = &consumer_lag(sim.metrics()).series[1].points;
        assert!(audit.last().unwrap().1 > 1_000.0, "{:?}", audit.last());
    }

    /// A group's lag line starts at its first commit; the span before it says why it is empty,
    /// when the text fits there.
    #[test]
    fn the_lag_chart_says_why_it_starts_late() {
        let lag = |first: Option<f64>| {
            let time_us: Vec<u64> = (1..=30).map(|s| s * 1_000_000).collect();
            let values = time_us
                .iter()
                .map(|t| first.filter(|f| *t as f64 / 1e6 >= *f).map(|_| 100.0))
                .collect();
            let m = khafka_sim::metrics::Metrics {
                time_us,
                group_lag: vec![("billing".into(), values)],
                ..Default::default()
            };
            let c = consumer_lag(&m).with_time(30.0, Vec::new(), None);
            let svg = to_svg(&c, 800, 300).unwrap();
            (c.empty_until.map(|(x, _)| x), svg.contains("no commit yet"))
        };
        assert_eq!(lag(Some(12.0)), (Some(12.0), true));
        // Too narrow a span for the text: none.
        assert_eq!(lag(Some(2.0)), (Some(2.0), false));
        assert_eq!(lag(None), (None, false));
    }
}
