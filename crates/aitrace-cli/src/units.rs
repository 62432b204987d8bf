//! Durations, sizes and times as a user writes and reads them.

use std::time::Duration;

/// Why a duration or size argument was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{value:?} is not a {what}: {accepted}")]
pub struct UnitError {
    value: String,
    what: &'static str,
    accepted: &'static str,
}

/// A duration: a whole number followed by `s`, `m`, `h`, `d` or `w` (`30d`,
/// `12h`); `none` (or `0`) for no limit.
///
/// # Errors
/// [`UnitError`] naming the value and the accepted forms.
pub fn parse_duration(value: &str) -> Result<Option<Duration>, UnitError> {
    let err = || UnitError {
        value: value.to_string(),
        what: "duration",
        accepted: "a whole number followed by s, m, h, d or w (30d, 12h, 90s), or none",
    };
    let v = value.trim().to_ascii_lowercase();
    if v == "none" || v == "0" {
        return Ok(None);
    }
    let split = v.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
    let (n, unit) = v.split_at(split);
    let n: u64 = n.parse().map_err(|_| err())?;
    let secs = match unit.trim() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(err()),
    };
    let total = n.checked_mul(secs).ok_or_else(err)?;
    Ok((total > 0).then(|| Duration::from_secs(total)))
}

/// A size in bytes: a number with an optional unit, `B`, `KB`, `MB`, `GB`,
/// `TB` (powers of 1000) or `KiB`, `MiB`, `GiB`, `TiB` (powers of 1024; `K`,
/// `M`, `G`, `T` alone too); `none` (or `0`) for no limit.
///
/// # Errors
/// [`UnitError`] naming the value and the accepted forms.
pub fn parse_size(value: &str) -> Result<Option<u64>, UnitError> {
    let err = || {
        UnitError {
        value: value.to_string(),
        what: "size",
        accepted: "a number with an optional unit: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB (2GiB, 500MB), or none",
    }
    };
    let v = value.trim().to_ascii_lowercase();
    if v == "none" || v == "0" {
        return Ok(None);
    }
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (n, unit) = v.split_at(split);
    let n: f64 = n.parse().map_err(|_| err())?;
    let factor: f64 = match unit.trim() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(err()),
    };
    let bytes = n * factor;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(err());
    }
    Ok((bytes >= 1.0).then_some(bytes as u64))
}

/// `bytes` in the largest binary unit that keeps a number of at least 1:
/// `512 B`, `1.5 KiB`, `2.0 GiB`.
pub fn fmt_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// A duration as written by [`parse_duration`] (the largest whole unit).
pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs();
    for (unit, secs) in [("w", 7 * 86_400), ("d", 86_400), ("h", 3600), ("m", 60)] {
        if s >= secs && s.is_multiple_of(secs) {
            return format!("{}{unit}", s / secs);
        }
    }
    format!("{s}s")
}

/// Nanoseconds since the Unix epoch as a UTC date and time to the
/// millisecond: `2026-11-28 17:52:03.125`.
pub fn fmt_time_utc(ns: i64) -> String {
    let (date, secs_of_day, ms) = civil(ns);
    format!(
        "{date} {:02}:{:02}:{:02}.{ms:03}",
        secs_of_day / 3600,
        secs_of_day / 60 % 60,
        secs_of_day % 60
    )
}

/// As RFC 3339, UTC: `2026-11-28T17:52:03.125Z`.
pub fn fmt_rfc3339(ns: i64) -> String {
    fmt_time_utc(ns).replacen(' ', "T", 1) + "Z"
}

/// `YYYY-MM-DD`, seconds of the day, milliseconds.
fn civil(ns: i64) -> (String, i64, i64) {
    let ms_total = ns.div_euclid(1_000_000);
    let secs = ms_total.div_euclid(1000);
    let ms = ms_total.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let secs_of_day = secs.rem_euclid(86_400);
    // Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
    // civil_from_days).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (format!("{year:04}-{month:02}-{day:02}"), secs_of_day, ms)
}

/// A UTC date and time as written in an HTML `datetime-local` field
/// (`2026-11-28T17:52`, seconds optional) to nanoseconds since the epoch.
pub fn parse_datetime_utc(value: &str) -> Option<i64> {
    let (date, time) = value.trim().split_once(['T', ' '])?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.split(':');
    let h: i64 = t.next()?.parse().ok()?;
    let min: i64 = t.next()?.parse().ok()?;
    let sec: f64 = t.next().map(|s| s.parse().ok()).unwrap_or(Some(0.0))?;
    // Nanoseconds since the epoch in an i64 reach from 1677 to 2262.
    if !(1678..=2261).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&day)
        || h > 23
        || min > 59
        || !(0.0..61.0).contains(&sec)
    {
        return None;
    }
    // days_from_civil
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + min * 60;
    Some(secs * 1_000_000_000 + (sec * 1e9) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("30d"),
            Ok(Some(Duration::from_secs(30 * 86_400)))
        );
        assert_eq!(parse_duration("90s"), Ok(Some(Duration::from_secs(90))));
        assert_eq!(parse_duration("none"), Ok(None));
        assert_eq!(parse_duration("0"), Ok(None));
        let e = parse_duration("3 fortnights").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("\"3 fortnights\" is not a duration: "));
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
        assert_eq!(fmt_duration(Duration::from_secs(30 * 86_400)), "30d");
        assert_eq!(fmt_duration(Duration::from_secs(90)), "90s");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2GiB"), Ok(Some(2 << 30)));
        assert_eq!(parse_size("500MB"), Ok(Some(500_000_000)));
        assert_eq!(parse_size("1.5k"), Ok(Some(1536)));
        assert_eq!(parse_size("4096"), Ok(Some(4096)));
        assert_eq!(parse_size("none"), Ok(None));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("-1GB").is_err());
        assert_eq!(fmt_bytes(512), "512 B");
        assert_eq!(fmt_bytes(3 << 29), "1.5 GiB");
    }

    #[test]
    fn times() {
        assert_eq!(fmt_time_utc(0), "1970-01-01 00:00:00.000");
        assert_eq!(
            fmt_time_utc(1_700_000_000_123_456_789),
            "2023-11-14 22:13:20.123"
        );
        assert_eq!(
            fmt_rfc3339(951_782_400_000_000_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            parse_datetime_utc("2023-11-14T22:13"),
            Some(1_699_999_980_000_000_000)
        );
        assert_eq!(
            parse_datetime_utc("2000-02-29T00:00:00"),
            Some(951_782_400_000_000_000)
        );
        assert_eq!(parse_datetime_utc("2023-13-01T00:00"), None);
        assert_eq!(parse_datetime_utc("2999-01-01T00:00"), None, "past 2262");
        assert!(parse_datetime_utc("2200-01-01T00:00").is_some());
        assert_eq!(parse_datetime_utc("yesterday"), None);
    }
}
