//! Charts of a Khafka run, drawn with plotters.
//!
//! Each chart is data first ([`LineChart`]: a title, axis names with units, named series) built from the
//! engine's metrics, then drawn by [`draw`] on any plotters `DrawingBackend`. [`to_svg`] renders to an
//! SVG string — natively for snapshot tests, in the browser for the site. Colours come from the
//! Okabe–Ito colour-blind-safe palette, and every series also has its own marker shape and a legend
//! label, so no information is carried by colour alone.

use khafka_sim::metrics::Metrics;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Okabe–Ito: blue, vermillion, bluish green, orange, reddish purple, sky blue.
const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(230, 159, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
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
    let values = metrics.series.get(name)?;
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
        title: title.to_string(),
        x_label: "simulated time (s)".to_string(),
        y_label: y_label.to_string(),
        series: names
            .iter()
            .filter_map(|(n, l)| series_from(metrics, n, l))
            .collect(),
    }
}

/// Records produced, acknowledged and committed over time.
pub fn records(metrics: &Metrics) -> LineChart {
    chart(
        "Records over time",
        "records (total)",
        metrics,
        &[
            ("RecordsSent", "sent"),
            ("RecordsAcknowledged", "acknowledged"),
            ("RecordsCommitted", "committed (below HW)"),
            ("RecordsConsumed", "consumed"),
        ],
    )
}

/// Acknowledged records that are not where a consumer could read them: lost (absent from their
/// leader's log), unavailable (no leader), and records written twice.
pub fn acked_lost(metrics: &Metrics) -> LineChart {
    chart(
        "Acknowledged but lost",
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
    c
}

/// Consumer lag (records between the consumers' positions and the high watermarks).
pub fn consumer_lag(metrics: &Metrics) -> LineChart {
    chart(
        "Consumer lag",
        "records behind the HW",
        metrics,
        &[("ConsumerLag", "lag (all partitions)")],
    )
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
/// reader sees (12–14 px).
const TITLE_PX: f64 = 15.0;
const TEXT_PX: f64 = 13.0;
const MARKER_PX: f64 = 12.0;
/// plotters' SVG backend writes `font-size` as the font's size / 1.24; this undoes it.
fn font(px: f64) -> FontDesc<'static> {
    ("sans-serif", px * 1.24).into_font()
}
const LEGEND_ROW_PX: u32 = 20;

/// An estimate of a label's width at [`TEXT_PX`] (the legend is laid out before it is drawn).
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

/// Draws `c` on `root`: the plot on top, the legend below it (never over the data), fault markers
/// with their labels and a cursor at the current instant. Errors are strings: they only cross to
/// the UI.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &LineChart,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let (width, height) = root.dim_in_pixel();
    let rows = legend_rows(c, width);
    let legend_h = rows.len() as u32 * LEGEND_ROW_PX + 4;
    let (plot, legend) = root.split_vertically(height.saturating_sub(legend_h));
    let (x_max, y_min, y_max) = bounds(c);
    let mut chart = ChartBuilder::on(&plot)
        .caption(&c.title, font(TITLE_PX).style(FontStyle::Bold))
        .margin_top(4)
        .margin_left(4)
        // Room for the last x tick's label, centred on the right edge.
        .margin_right(18)
        .x_label_area_size(34)
        .y_label_area_size(if c.integer_y { 58 } else { 52 })
        .build_cartesian_2d(0.0..x_max, y_min..y_max)
        .map_err(err)?;
    let x_ticks = ((width / 90) as usize).clamp(3, 10);
    let y_ticks = if c.integer_y {
        ((y_max - y_min) as usize + 1).clamp(2, 6)
    } else {
        5
    };
    let y_fmt = |v: &f64| {
        if v.fract().abs() < 1e-9 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    let x_fmt = |v: &f64| {
        if v.fract().abs() < 1e-9 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    chart
        .configure_mesh()
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .x_labels(x_ticks)
        .y_labels(y_ticks)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .light_line_style(RGBColor(240, 240, 240))
        .label_style(font(TEXT_PX))
        .axis_desc_style(font(TEXT_PX))
        .draw()
        .map_err(err)?;
    // Faults: a dashed line each, labelled at the top. A label goes on the first of three rows where
    // it does not run into the previous label; labels near the right edge end at their line.
    let grey = RGBColor(110, 110, 110);
    let mut row_ends: [i32; 3] = [i32::MIN; 3];
    for (x, label) in &c.markers {
        let x = x.clamp(0.0, x_max);
        let line = vec![(x, y_min), (x, y_max)];
        let dashed = DashedPathElement::new(line, 4, 3, grey.stroke_width(1));
        chart.draw_series([dashed]).map_err(err)?;
        let text = format!("⚡ {label}");
        let w = text_width(&text) as i32;
        let px = chart.backend_coord(&(x, y_max)).0;
        let right = x > x_max * 0.7;
        let (from, to) = if right {
            (px - 3 - w, px - 3)
        } else {
            (px + 3, px + 3 + w)
        };
        let row = row_ends.iter().position(|end| from > *end + 4).unwrap_or(2);
        row_ends[row] = row_ends[row].max(to);
        let style = TextStyle::from(font(MARKER_PX))
            .color(&RGBColor(60, 60, 60))
            .pos(Pos::new(
                if right { HPos::Right } else { HPos::Left },
                VPos::Top,
            ));
        let dy = 2 + row as i32 * 14;
        let dx = if right { -3 } else { 3 };
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((x, y_max)) + Text::new(text, (dx, dy), style),
            ))
            .map_err(err)?;
    }
    if let Some(now) = c.cursor {
        let now = now.clamp(0.0, x_max);
        let line = vec![(now, y_min), (now, y_max)];
        chart
            .draw_series([PathElement::new(line, BLACK.stroke_width(2))])
            .map_err(err)?;
    }
    for (i, s) in c.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let style = color.stroke_width(2);
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), style))
            .map_err(err)?;
        // A marker every few points, so series differ by shape as well as colour.
        let every = (s.points.len() / 8).max(1);
        chart
            .draw_series(
                s.points
                    .iter()
                    .step_by(every)
                    .map(|p| EmptyElement::at(*p) + marker(i, (0, 0), color)),
            )
            .map_err(err)?;
    }
    // The legend, below the plot.
    for (r, row) in rows.iter().enumerate() {
        let y = r as i32 * LEGEND_ROW_PX as i32 + LEGEND_ROW_PX as i32 / 2 + 2;
        for (i, x) in row {
            let color = PALETTE[i % PALETTE.len()];
            let x = *x as i32;
            legend
                .draw(&PathElement::new(
                    vec![(x, y), (x + 20, y)],
                    color.stroke_width(2),
                ))
                .map_err(err)?;
            legend
                .draw(&(EmptyElement::at((x + 10, y)) + marker(*i, (0, 0), color)))
                .map_err(err)?;
            legend
                .draw(&Text::new(
                    c.series[*i].name.clone(),
                    (x + 26, y),
                    TextStyle::from(font(TEXT_PX)).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(err)?;
        }
    }
    root.present().map_err(err)?;
    Ok(())
}

/// A shape per series index: circle, triangle, square, cross, repeating.
fn marker<DB: DrawingBackend>(
    i: usize,
    at: (i32, i32),
    color: RGBColor,
) -> DynElement<'static, DB, (i32, i32)> {
    let style = color.filled();
    match i % 4 {
        0 => Circle::new(at, 4, style).into_dyn(),
        1 => TriangleMarker::new(at, 5, style).into_dyn(),
        2 => Rectangle::new([(at.0 - 3, at.1 - 3), (at.0 + 3, at.1 + 3)], style).into_dyn(),
        _ => Cross::new(at, 4, color.stroke_width(2)).into_dyn(),
    }
}

/// Renders `c` as an SVG document of `width` × `height` pixels.
pub fn to_svg(c: &LineChart, width: u32, height: u32) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw(&root, c)?;
    }
    Ok(out)
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
        spec.consumers.push(khafka_sim::spec::ConsumerSpec {
            name: "c".into(),
            topic: "t".into(),
            config: Default::default(),
            start: SimTime::ZERO,
        });
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

    #[test]
    fn charts_render_with_axes_units_and_legends() {
        let sim = run();
        for (chart, must) in [
            (
                records(&sim.metrics),
                vec!["sent", "acknowledged", "committed (below HW)"],
            ),
            (
                acked_lost(&sim.metrics),
                vec!["acknowledged, then lost", "acknowledged, leader offline"],
            ),
            (latency(&sim.metrics), vec!["p50 acks=all", "p99 acks=all"]),
            (consumer_lag(&sim.metrics), vec!["lag (all partitions)"]),
            (
                isr(&sim.metrics),
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
        let marked =
            records(&sim.metrics).with_time(20.0, vec![(5.0, "crash broker 1".into())], Some(12.0));
        let svg = to_svg(&marked, 360, 240).unwrap();
        assert!(svg.contains("crash broker 1"), "fault label");
        assert!(!svg.contains(".0\n</text>"), "a count tick with a decimal");
        assert!(
            svg.contains("\n20\n</text>"),
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
        let lat = latency(&sim.metrics);
        assert!(
            lat.series.iter().all(|s| s.name.contains("acks=all")),
            "only the acks used"
        );
        let isr = isr(&sim.metrics);
        let smallest = &isr.series[0].points;
        assert_eq!(smallest.first().unwrap().1, 3.0);
        assert_eq!(smallest.last().unwrap().1, 2.0, "broker 1 left every ISR");
    }
}
