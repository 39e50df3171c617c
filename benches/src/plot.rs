//! The latency plot: an SVG of percentile spectra (plotters, SVG backend).
//!
//! The x axis counts "nines": 1 is the 90th percentile, 2 the 99th, 3 the
//! 99.9th, so the tail gets as much room as the median; the y axis is the
//! latency in milliseconds on a log scale. One line per series (a rate
//! step, a group of teams, a peer), and an optional dashed threshold. A
//! spectrum stops where its samples run out (a 1,000-sample series has no
//! honest 99.99th percentile).

use anyhow::anyhow;
use hdrhistogram::Histogram;
use plotters::prelude::*;
use std::path::Path;

/// The most nines drawn (99.999th percentile).
const MAX_NINES: f64 = 5.0;
/// Points per spectrum.
const POINTS: usize = 200;
/// The picture's size in pixels.
const SIZE: (u32, u32) = (960, 560);

/// One line of the plot.
pub(crate) struct Series<'a> {
    /// Its legend.
    pub(crate) label: String,
    /// Latencies in microseconds.
    pub(crate) histogram: &'a Histogram<u64>,
}

/// Draws the percentile spectra of `series` to an SVG file at `path`.
pub(crate) fn spectrum(
    path: &Path,
    title: &str,
    series: &[Series<'_>],
    threshold_ms: Option<f64>,
) -> anyhow::Result<()> {
    let lines: Vec<(String, Vec<(f64, f64)>)> = series
        .iter()
        .filter(|s| !s.histogram.is_empty())
        .map(|s| (s.label.clone(), points(s.histogram)))
        .collect();
    let top = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .chain(threshold_ms)
        .fold(1.0f64, f64::max)
        * 1.5;
    let bottom = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .fold(top, f64::min)
        .max(0.001)
        / 1.5;

    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| anyhow!("drawing {}: {e}", path.display());
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .margin_right(48)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..MAX_NINES, (bottom..top).log_scale())
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("percentile")
        .y_desc("latency (ms)")
        .x_labels(6)
        .x_label_formatter(&|x| percentile_label(*x))
        .y_label_formatter(&|y| format!("{y}"))
        .draw()
        .map_err(|e| err(&e))?;
    for (i, (label, points)) in lines.into_iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(|e| err(&e))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    if let Some(limit) = threshold_ms {
        let style = RED.mix(0.6).stroke_width(1);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, limit), (MAX_NINES, limit)],
                6,
                4,
                style,
            ))
            .map_err(|e| err(&e))?
            .label(format!("threshold {limit} ms"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// (nines, latency ms) along a histogram's spectrum, up to the resolution
/// its sample count supports.
fn points(h: &Histogram<u64>) -> Vec<(f64, f64)> {
    let supported = (h.len().max(1) as f64).log10().min(MAX_NINES);
    (0..=POINTS)
        .map(|i| supported * i as f64 / POINTS as f64)
        .map(|x| {
            let quantile = 1.0 - 10f64.powf(-x);
            (x, h.value_at_quantile(quantile) as f64 / 1_000.0)
        })
        .collect()
}

/// "99.9%" for 3 nines, "0%" for none.
fn percentile_label(nines: f64) -> String {
    let p = 100.0 * (1.0 - 10f64.powf(-nines));
    if nines < 0.5 {
        format!("{p:.0}%")
    } else {
        let decimals = (nines.round() as usize).saturating_sub(2);
        format!("{p:.decimals$}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_count_nines() {
        assert_eq!(percentile_label(0.0), "0%");
        assert_eq!(percentile_label(1.0), "90%");
        assert_eq!(percentile_label(2.0), "99%");
        assert_eq!(percentile_label(3.0), "99.9%");
    }

    #[test]
    fn draws_an_svg() {
        let mut h = crate::report::histogram();
        for v in 1..10_000u64 {
            h.saturating_record(v);
        }
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("plot.svg");
        let series = [Series {
            label: "test".into(),
            histogram: &h,
        }];
        spectrum(&path, "test", &series, Some(5.0)).expect("the plot draws");
        let svg = std::fs::read_to_string(&path).expect("the plot was written");
        assert!(svg.contains("<svg") && svg.contains("polyline"));
    }
}
