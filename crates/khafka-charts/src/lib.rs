//! Charts of a Khafka run, drawn with plotters.
//!
//! Each chart is data first ([`LineChart`]: a title, axis names with units, named series) built from the
//! engine's metrics, then drawn by [`draw`] on any plotters `DrawingBackend`. [`to_svg`] renders to an
//! SVG string — natively for snapshot tests, in the browser for the site. Colours come from the
//! Okabe–Ito colour-blind-safe palette, and every series also has its own marker shape and a legend
//! label, so no information is carried by colour alone.

use khafka_sim::metrics::Metrics;
use plotters::coord::Shift;
use plotters::prelude::*;

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

fn bounds(c: &LineChart) -> (f64, f64, f64) {
    let pts = c.series.iter().flat_map(|s| s.points.iter());
    let x_max = pts.clone().map(|p| p.0).fold(0.0, f64::max).max(1.0);
    let y_max = pts.clone().map(|p| p.1).fold(0.0, f64::max);
    let y_min = pts.map(|p| p.1).fold(0.0, f64::min);
    (
        x_max,
        y_min,
        if y_max > y_min {
            y_max * 1.05
        } else {
            y_min + 1.0
        },
    )
}

/// Draws `c` on `root`. Errors are strings: they only cross to the UI.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &LineChart,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let (x_max, y_min, y_max) = bounds(c);
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, ("sans-serif", 22))
        .margin(8)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..x_max, y_min..y_max)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .light_line_style(RGBColor(235, 235, 235))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 15))
        .draw()
        .map_err(err)?;
    for (i, s) in c.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let style = color.stroke_width(2);
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), style))
            .map_err(err)?
            .label(s.name.as_str())
            .legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (16, 0)], color.stroke_width(2))
                    + marker(i, (8, 0), color)
            });
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
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(err)?;
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
