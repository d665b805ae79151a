//! Where the relationship picture puts its nodes. Pure: whole-number
//! coordinates (formatting floats into SVG would cost kilobytes of wasm).

/// The picture's size in SVG user units.
pub const WIDTH: i32 = 640;
pub const HEIGHT: i32 = 400;
pub const CENTER: (i32, i32) = (WIDTH / 2, HEIGHT / 2);

/// The most neighbours drawn around the centre; the rest are counted.
pub const MAX_NEIGHBOURS: usize = 16;
/// The most nodes one expansion adds around a neighbour.
pub const MAX_EXPANSION: usize = 8;

/// `(sin x, cos x)` by their Taylor series after reducing `x` to [-π, π].
/// The layout rounds to whole units; libm's sin, cos and atan2 (with their
/// range reduction) would add about 7 KB to the wasm for these few points.
fn sin_cos(x: f64) -> (f64, f64) {
    use std::f64::consts::TAU;
    let x = x - TAU * (x / TAU).round();
    let (mut sin, mut cos) = (0.0, 0.0);
    let (mut ts, mut tc) = (x, 1.0);
    // Up to x^21/21!: below 1e-9 on [-π, π].
    for k in 0..11 {
        sin += ts;
        cos += tc;
        let k = k as f64;
        ts *= -x * x / ((2.0 * k + 2.0) * (2.0 * k + 3.0));
        tc *= -x * x / ((2.0 * k + 1.0) * (2.0 * k + 2.0));
    }
    (sin, cos)
}

/// `n` points evenly on a circle of radius `r` around `(cx, cy)`, starting at the top.
pub fn ring(n: usize, (cx, cy): (i32, i32), r: f64, start: f64) -> Vec<(i32, i32)> {
    (0..n)
        .map(|k| {
            let (sin, cos) = sin_cos(start + std::f64::consts::TAU * k as f64 / n.max(1) as f64 - std::f64::consts::FRAC_PI_2);
            ((cx as f64 + r * cos).round() as i32, (cy as f64 + r * sin).round() as i32)
        })
        .collect()
}

/// The neighbours of the centre: one ring, or two when crowded.
pub fn neighbours(n: usize) -> Vec<(i32, i32)> {
    let n = n.min(MAX_NEIGHBOURS);
    if n <= 10 {
        ring(n, CENTER, 140.0, 0.0)
    } else {
        let inner = n / 2;
        let mut out = ring(inner, CENTER, 105.0, 0.0);
        out.extend(ring(n - inner, CENTER, 175.0, std::f64::consts::PI / (n - inner) as f64));
        out
    }
}

/// Nodes added around `node` when it is expanded, on the side away from the centre.
pub fn expansion(node: (i32, i32), n: usize) -> Vec<(i32, i32)> {
    let n = n.min(MAX_EXPANSION);
    // The unit vector away from the centre (to the right for the centre itself).
    let (dx, dy) = ((node.0 - CENTER.0) as f64, (node.1 - CENTER.1) as f64);
    let len = (dx * dx + dy * dy).sqrt();
    let (ux, uy) = if len > 0.0 { (dx / len, dy / len) } else { (1.0, 0.0) };
    (0..n)
        .map(|k| {
            // Spread over a half circle facing outwards: the away vector turned by `spread`.
            let (sin, cos) = sin_cos(std::f64::consts::PI * (k as f64 + 0.5) / n.max(1) as f64 - std::f64::consts::FRAC_PI_2);
            let x = (node.0 as f64 + 60.0 * (ux * cos - uy * sin)).round() as i32;
            let y = (node.1 as f64 + 60.0 * (ux * sin + uy * cos)).round() as i32;
            (x.clamp(8, WIDTH - 8), y.clamp(8, HEIGHT - 8))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_cos_matches_the_standard_library() {
        for i in -2000..=2000 {
            let x = i as f64 * 0.01; // -20..20 radians
            let (s, c) = sin_cos(x);
            assert!((s - x.sin()).abs() < 1e-9 && (c - x.cos()).abs() < 1e-9, "{x}: {s} {c}");
        }
    }

    fn inside((x, y): (i32, i32)) -> bool {
        (0..=WIDTH).contains(&x) && (0..=HEIGHT).contains(&y)
    }

    #[test]
    fn neighbours_fit_and_do_not_overlap() {
        for n in [0, 1, 2, 7, 10, 11, 16, 500] {
            let pts = neighbours(n);
            assert_eq!(pts.len(), n.min(MAX_NEIGHBOURS));
            assert!(pts.iter().all(|p| inside(*p)), "{n}: {pts:?}");
            for (i, a) in pts.iter().enumerate() {
                for b in &pts[i + 1..] {
                    let d2 = (a.0 - b.0).pow(2) + (a.1 - b.1).pow(2);
                    assert!(d2 >= 30 * 30, "{n}: {a:?} and {b:?} overlap");
                }
            }
        }
    }

    #[test]
    fn the_first_neighbour_is_above_the_centre() {
        assert_eq!(neighbours(1), vec![(CENTER.0, CENTER.1 - 140)]);
    }

    #[test]
    fn expansions_face_away_from_the_centre() {
        let node = (CENTER.0 + 140, CENTER.1);
        let pts = expansion(node, 5);
        assert_eq!(pts.len(), 5);
        assert!(pts.iter().all(|p| p.0 >= node.0 - 1 && inside(*p)), "{pts:?}");
        assert_eq!(expansion(node, 50).len(), MAX_EXPANSION);
    }
}
