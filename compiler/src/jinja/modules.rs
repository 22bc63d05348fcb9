//! `modules`: the Python standard modules dbt hands to Jinja — `datetime`,
//! `re`, `itertools` and `pytz` — with the parts of their behaviour that dbt
//! projects and packages rely on.
//!
//! Time never comes from the clock: `now()`, `utcnow()` and `today()` answer
//! with the invocation's `run_started_at` (dbt runs with `TZ=UTC` in its
//! reference setup, so local time is UTC here too). Without a time zone
//! database, `pytz` knows UTC, its aliases and fixed offsets.
//!
//! Regular expressions run on `regex-lite`. It is maintained with the `regex`
//! crate by the Rust project, is pure Rust (so it builds for
//! `wasm32-unknown-unknown`) and carries no Unicode tables, which keeps the
//! browser build small; `regex` would add several hundred kilobytes of tables
//! and `fancy-regex` sits on top of `regex`. What `regex-lite` lacks —
//! look-around, backreferences, `\p{..}` classes, Unicode-aware `\w`, `\d`
//! and case folding — is rare in dbt code; such a pattern fails with an error
//! that says so. Python-only syntax (`\Z`, a literal `{`, `{,n}`, `[` inside
//! a class, `(?#...)`) is translated first, and matching follows Python's
//! rules: positions count characters, `match` anchors at the start, `sub`
//! uses Python's replacement syntax and empty-match rules.

use super::containers::MutDict;
use crate::input::Invocation;
use minijinja::value::{
    DynObject, Enumerator, Kwargs, Object, ObjectRepr, Tuple, Value, ValueKind,
};
use minijinja::{Error, ErrorKind, State};
use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::sync::{Arc, OnceLock};

/// The `modules` context variable.
pub fn modules(invocation: &Invocation) -> Value {
    Value::from_object(Modules {
        now: utc_now(invocation),
    })
}

/// `run_started_at` as dbt has it: an aware `datetime` in UTC (pytz's).
pub fn run_started_at(invocation: &Invocation) -> Value {
    let (date, clock) = utc_now(invocation);
    Temporal::DateTime(date, clock, Some(Tz::pytz_utc())).into_value()
}

/// Arithmetic between `datetime` values (`date + timedelta`,
/// `datetime - datetime`, `timedelta * 2`, ...) for a caller that routes
/// Jinja's `+`, `-`, `*`, `/`, `//` and `%` here. `None` when neither operand
/// is a `datetime` value.
pub fn binary_op(op: &str, lhs: &Value, rhs: &Value) -> Option<Result<Value, Error>> {
    let l = temporal_of(lhs);
    let r = temporal_of(rhs);
    if l.is_none() && r.is_none() {
        return None;
    }
    Some(arith(op, lhs, rhs))
}

fn utc_now(invocation: &Invocation) -> (Date, Clock) {
    let fallback = (
        Date {
            y: 2000,
            m: 1,
            d: 1,
        },
        Clock::default(),
    );
    match parse_iso_datetime(invocation.run_started_at.trim()) {
        Ok((d, c, tz)) => {
            let offset = tz.map(|t| t.offset).unwrap_or(0);
            from_naive_us(naive_us(&d, &c) - offset as i128 * US_PER_SEC).unwrap_or(fallback)
        }
        Err(_) => fallback,
    }
}

// ---- errors and arguments -------------------------------------------------

fn py_err(kind: &str, msg: impl fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidOperation, format!("{kind}: {msg}"))
}

fn value_error(msg: impl fmt::Display) -> Error {
    py_err("ValueError", msg)
}

fn type_error(msg: impl fmt::Display) -> Error {
    py_err("TypeError", msg)
}

/// Positional and keyword arguments bound to parameter names, as Python binds them.
fn bind(func: &str, args: &[Value], names: &[&str]) -> Result<Vec<Option<Value>>, Error> {
    let (pos, kw) = split_kwargs(args)?;
    if pos.len() > names.len() {
        return Err(type_error(format!(
            "{func}() takes at most {} arguments ({} given)",
            names.len(),
            pos.len()
        )));
    }
    let mut slots: Vec<Option<Value>> = vec![None; names.len()];
    for (i, v) in pos.iter().enumerate() {
        slots[i] = Some(v.clone());
    }
    for (k, v) in kw {
        let i = names.iter().position(|n| *n == k).ok_or_else(|| {
            type_error(format!("{func}() got an unexpected keyword argument '{k}'"))
        })?;
        if slots[i].is_some() {
            return Err(type_error(format!(
                "{func}() got multiple values for argument '{k}'"
            )));
        }
        slots[i] = Some(v);
    }
    Ok(slots)
}

/// Keyword arguments by name, in the order given.
type KwArgs = Vec<(String, Value)>;

fn split_kwargs(args: &[Value]) -> Result<(&[Value], KwArgs), Error> {
    match args.split_last() {
        Some((last, rest)) if last.is_kwargs() => {
            let kw = Kwargs::try_from(last.clone())?;
            let mut out = Vec::new();
            for k in kw.args() {
                out.push((k.to_string(), kw.get::<Value>(k)?));
            }
            Ok((rest, out))
        }
        _ => Ok((args, Vec::new())),
    }
}

fn required<'a>(
    slots: &'a [Option<Value>],
    i: usize,
    func: &str,
    name: &str,
) -> Result<&'a Value, Error> {
    slots[i]
        .as_ref()
        .ok_or_else(|| type_error(format!("{func}() missing required argument: '{name}'")))
}

fn int_of(v: &Value, what: &str) -> Result<i64, Error> {
    if v.kind() == ValueKind::Bool {
        return Ok(v.is_true() as i64);
    }
    match (v.is_integer(), v.as_i64()) {
        (true, Some(i)) => Ok(i),
        _ => Err(type_error(format!(
            "{what}: an integer is required (got {})",
            v.kind()
        ))),
    }
}

fn opt_int(slots: &[Option<Value>], i: usize, default: i64, what: &str) -> Result<i64, Error> {
    match &slots[i] {
        Some(v) => int_of(v, what),
        None => Ok(default),
    }
}

fn str_of<'a>(v: &'a Value, what: &str) -> Result<&'a str, Error> {
    v.as_str()
        .ok_or_else(|| type_error(format!("{what}: expected a string, got {}", v.kind())))
}

#[derive(Clone, Copy, Debug)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(x) => x,
        }
    }

    fn as_value(self) -> Value {
        match self {
            Num::Int(i) => Value::from(i),
            Num::Float(x) => Value::from(x),
        }
    }
}

fn num_of(v: &Value) -> Option<Num> {
    if v.kind() == ValueKind::Bool {
        return Some(Num::Int(v.is_true() as i128));
    }
    if v.kind() != ValueKind::Number {
        return None;
    }
    if v.is_integer() {
        if let Some(i) = v.as_i64() {
            return Some(Num::Int(i as i128));
        }
        if let Ok(i) = i128::try_from(v.clone()) {
            return Some(Num::Int(i));
        }
    }
    f64::try_from(v.clone()).ok().map(Num::Float)
}

/// The items of an iterable, at most [`MAX_ITEMS`] of them.
fn items_of(v: &Value) -> Result<Vec<Value>, Error> {
    let items: Vec<Value> = v.try_iter()?.take(MAX_ITEMS + 1).collect();
    if items.len() > MAX_ITEMS {
        return Err(value_error(format!("more than {MAX_ITEMS} items")));
    }
    Ok(items)
}

fn tuple(values: Vec<Value>) -> Value {
    Value::from(Tuple::from(values))
}

/// A method of an object taken as a value (`modules.datetime.datetime.strptime`).
#[derive(Debug)]
struct Method {
    recv: Value,
    name: &'static str,
}

impl Object for Method {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn call(self: &Arc<Self>, state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        self.recv.call_method(state, self.name, args)
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<built-in method {}>", self.name)
    }
}

fn method_value(recv: Value, names: &[&'static str], key: &str) -> Option<Value> {
    names
        .iter()
        .find(|n| **n == key)
        .map(|name| Value::from_object(Method { recv, name }))
}

// ---- `modules` -------------------------------------------------------------

#[derive(Debug)]
struct Modules {
    now: (Date, Clock),
}

impl Object for Modules {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "datetime" => Value::from_object(DatetimeModule { now: self.now }),
            "re" => Value::from_object(ReModule),
            "itertools" => Value::from_object(Itertools),
            "pytz" => Value::from_object(Pytz),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["datetime", "re", "itertools", "pytz"])
    }
}

// ---- calendar arithmetic ---------------------------------------------------

const US_PER_SEC: i128 = 1_000_000;
const US_PER_DAY: i128 = 86_400 * US_PER_SEC;
const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Date {
    y: i64,
    m: u32,
    d: u32,
}

impl Date {
    fn new(y: i64, m: i64, d: i64) -> Result<Date, Error> {
        if !(1..=9999).contains(&y) {
            return Err(value_error(format!("year {y} is out of range")));
        }
        if !(1..=12).contains(&m) {
            return Err(value_error("month must be in 1..12"));
        }
        if d < 1 || d > days_in_month(y, m as u32) as i64 {
            return Err(value_error("day is out of range for month"));
        }
        Ok(Date {
            y,
            m: m as u32,
            d: d as u32,
        })
    }

    /// Python's `toordinal()`: 0001-01-01 is day 1.
    fn ordinal(&self) -> i64 {
        days_from_civil(self.y, self.m, self.d) - days_from_civil(1, 1, 1) + 1
    }

    fn from_ordinal(n: i64) -> Result<Date, Error> {
        let (y, m, d) = civil_from_days(n - 1 + days_from_civil(1, 1, 1));
        if !(1..=9999).contains(&y) {
            return Err(py_err("OverflowError", "date value out of range"));
        }
        Ok(Date { y, m, d })
    }

    /// Monday is 0.
    fn weekday(&self) -> u32 {
        (self.ordinal() + 6).rem_euclid(7) as u32
    }

    /// Day of the year, 1-based.
    fn yday(&self) -> u32 {
        (self.ordinal()
            - Date {
                y: self.y,
                m: 1,
                d: 1,
            }
            .ordinal()
            + 1) as u32
    }

    fn iso_calendar(&self) -> (i64, u32, u32) {
        fn week1_monday(y: i64) -> i64 {
            let first = Date { y, m: 1, d: 1 }.ordinal();
            let first_wd = (first + 6).rem_euclid(7);
            let monday = first - first_wd;
            if first_wd > 3 {
                monday + 7
            } else {
                monday
            }
        }
        let mut year = self.y;
        let today = self.ordinal();
        let mut w1 = week1_monday(year);
        let mut week = (today - w1).div_euclid(7);
        let day = (today - w1).rem_euclid(7);
        if week < 0 {
            year -= 1;
            w1 = week1_monday(year);
            week = (today - w1).div_euclid(7);
        } else if week >= 52 && today >= week1_monday(year + 1) {
            year += 1;
            week = 0;
        }
        (year, week as u32 + 1, day as u32 + 1)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Clock {
    h: u32,
    mi: u32,
    s: u32,
    us: u32,
}

impl Clock {
    fn new(h: i64, mi: i64, s: i64, us: i64) -> Result<Clock, Error> {
        if !(0..24).contains(&h) {
            return Err(value_error("hour must be in 0..23"));
        }
        if !(0..60).contains(&mi) {
            return Err(value_error("minute must be in 0..59"));
        }
        if !(0..60).contains(&s) {
            return Err(value_error("second must be in 0..59"));
        }
        if !(0..1_000_000).contains(&us) {
            return Err(value_error("microsecond must be in 0..999999"));
        }
        Ok(Clock {
            h: h as u32,
            mi: mi as u32,
            s: s as u32,
            us: us as u32,
        })
    }

    fn to_us(self) -> i128 {
        ((self.h as i128 * 60 + self.mi as i128) * 60 + self.s as i128) * US_PER_SEC
            + self.us as i128
    }

    fn from_us(us: i128) -> Clock {
        let secs = us / US_PER_SEC;
        Clock {
            h: (secs / 3600) as u32,
            mi: (secs / 60 % 60) as u32,
            s: (secs % 60) as u32,
            us: (us % US_PER_SEC) as u32,
        }
    }

    fn iso(&self, timespec: &str) -> Result<String, Error> {
        Ok(match timespec {
            "auto" if self.us != 0 => {
                format!("{:02}:{:02}:{:02}.{:06}", self.h, self.mi, self.s, self.us)
            }
            "auto" | "seconds" => format!("{:02}:{:02}:{:02}", self.h, self.mi, self.s),
            "hours" => format!("{:02}", self.h),
            "minutes" => format!("{:02}:{:02}", self.h, self.mi),
            "milliseconds" => format!(
                "{:02}:{:02}:{:02}.{:03}",
                self.h,
                self.mi,
                self.s,
                self.us / 1000
            ),
            "microseconds" => format!("{:02}:{:02}:{:02}.{:06}", self.h, self.mi, self.s, self.us),
            other => return Err(value_error(format!("Unknown timespec value: {other}"))),
        })
    }
}

fn naive_us(d: &Date, c: &Clock) -> i128 {
    d.ordinal() as i128 * US_PER_DAY + c.to_us()
}

fn from_naive_us(us: i128) -> Result<(Date, Clock), Error> {
    let days = us.div_euclid(US_PER_DAY);
    let rest = us.rem_euclid(US_PER_DAY);
    let days =
        i64::try_from(days).map_err(|_| py_err("OverflowError", "date value out of range"))?;
    Ok((Date::from_ordinal(days)?, Clock::from_us(rest)))
}

/// A `tzinfo`: UTC, a pytz zone without transitions, or a fixed offset.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Tz {
    /// Seconds east of UTC.
    offset: i32,
    /// What `tzname()` answers (`None`: derived from the offset, or none for pytz).
    name: Option<String>,
    /// pytz's `zone` (`None` for `datetime.timezone` and `pytz.FixedOffset`).
    zone: Option<String>,
    pytz: bool,
}

impl Tz {
    fn std_utc() -> Tz {
        Tz {
            offset: 0,
            name: Some("UTC".into()),
            zone: None,
            pytz: false,
        }
    }

    fn pytz_utc() -> Tz {
        Tz {
            offset: 0,
            name: Some("UTC".into()),
            zone: Some("UTC".into()),
            pytz: true,
        }
    }

    fn fixed(offset: i32, name: Option<String>) -> Tz {
        if offset == 0 && name.is_none() {
            return Tz::std_utc();
        }
        Tz {
            offset,
            name,
            zone: None,
            pytz: false,
        }
    }

    fn tzname(&self) -> Option<String> {
        if let Some(n) = &self.name {
            return Some(n.clone());
        }
        if self.pytz {
            return None;
        }
        Some(format!(
            "UTC{}",
            format_offset(self.offset as i128 * US_PER_SEC, ":")
        ))
    }

    fn repr(&self) -> String {
        match (&self.zone, self.pytz, &self.name) {
            (Some(z), true, _) if z == "UTC" => "<UTC>".into(),
            (Some(z), true, _) => format!("<StaticTzInfo {}>", py_repr(z)),
            (None, true, _) => format!("pytz.FixedOffset({})", self.offset / 60),
            (_, false, Some(n)) if self.offset == 0 && n == "UTC" => "datetime.timezone.utc".into(),
            (_, false, name) => {
                let off = format!(
                    "{:?}",
                    TemporalObj(Temporal::Delta(self.offset as i128 * US_PER_SEC))
                );
                match name {
                    Some(n) => format!("datetime.timezone({off}, {})", py_repr(n)),
                    None => format!("datetime.timezone({off})"),
                }
            }
        }
    }

    fn display(&self) -> String {
        match (&self.zone, self.pytz) {
            (Some(z), _) => z.clone(),
            (None, true) => format!("pytz.FixedOffset({})", self.offset / 60),
            (None, false) => self.tzname().unwrap_or_default(),
        }
    }
}

/// `+HH:MM[:SS[.ffffff]]` (or without separators) for an offset in microseconds.
fn format_offset(us: i128, sep: &str) -> String {
    let sign = if us < 0 { '-' } else { '+' };
    let us = us.abs();
    let secs = us / US_PER_SEC;
    let frac = us % US_PER_SEC;
    let mut s = format!("{sign}{:02}{sep}{:02}", secs / 3600, secs / 60 % 60);
    if secs % 60 != 0 || frac != 0 {
        write!(s, "{sep}{:02}", secs % 60).ok();
        if frac != 0 {
            write!(s, ".{frac:06}").ok();
        }
    }
    s
}

// ---- datetime values -------------------------------------------------------

/// A value of one of `datetime`'s types.
#[derive(Clone, Debug, PartialEq)]
enum Temporal {
    Date(Date),
    DateTime(Date, Clock, Option<Tz>),
    Time(Clock, Option<Tz>),
    /// A `timedelta`, in microseconds.
    Delta(i128),
}

const MAX_DELTA_US: i128 = 999_999_999 * US_PER_DAY + US_PER_DAY - 1;

fn delta(us: i128) -> Result<Temporal, Error> {
    if us.abs() > MAX_DELTA_US {
        return Err(py_err(
            "OverflowError",
            "days must have magnitude <= 999999999",
        ));
    }
    Ok(Temporal::Delta(us))
}

fn temporal_of(v: &Value) -> Option<&Temporal> {
    v.downcast_object_ref::<TemporalObj>().map(|t| &t.0)
}

fn tz_of(v: &Value) -> Result<Option<Tz>, Error> {
    if v.is_none() || v.is_undefined() {
        return Ok(None);
    }
    v.downcast_object_ref::<TzObj>()
        .map(|t| Some(t.0.clone()))
        .ok_or_else(|| type_error("tzinfo argument must be None or of a tzinfo subclass"))
}

impl Temporal {
    fn into_value(self) -> Value {
        Value::from_object(TemporalObj(self))
    }

    fn type_name(&self) -> &'static str {
        match self {
            Temporal::Date(_) => "datetime.date",
            Temporal::DateTime(..) => "datetime.datetime",
            Temporal::Time(..) => "datetime.time",
            Temporal::Delta(_) => "datetime.timedelta",
        }
    }

    /// Microseconds since 0001-01-01 in UTC (aware) or as written (naive).
    fn instant(&self) -> Option<(i128, bool)> {
        match self {
            Temporal::DateTime(d, c, tz) => {
                let off = tz
                    .as_ref()
                    .map(|t| t.offset as i128 * US_PER_SEC)
                    .unwrap_or(0);
                Some((naive_us(d, c) - off, tz.is_some()))
            }
            _ => None,
        }
    }

    fn isoformat(&self, sep: &str, timespec: &str) -> Result<String, Error> {
        Ok(match self {
            Temporal::Date(d) => format!("{:04}-{:02}-{:02}", d.y, d.m, d.d),
            Temporal::DateTime(d, c, tz) => {
                let mut s = format!("{:04}-{:02}-{:02}{sep}{}", d.y, d.m, d.d, c.iso(timespec)?);
                if let Some(tz) = tz {
                    s.push_str(&format_offset(tz.offset as i128 * US_PER_SEC, ":"));
                }
                s
            }
            Temporal::Time(c, tz) => {
                let mut s = c.iso(timespec)?;
                if let Some(tz) = tz {
                    s.push_str(&format_offset(tz.offset as i128 * US_PER_SEC, ":"));
                }
                s
            }
            Temporal::Delta(_) => self.to_string(),
        })
    }

    fn date_clock_tz(&self) -> (Date, Clock, Option<&Tz>) {
        match self {
            Temporal::Date(d) => (*d, Clock::default(), None),
            Temporal::DateTime(d, c, tz) => (*d, *c, tz.as_ref()),
            Temporal::Time(c, tz) => (
                Date {
                    y: 1900,
                    m: 1,
                    d: 1,
                },
                *c,
                tz.as_ref(),
            ),
            Temporal::Delta(_) => (
                Date {
                    y: 1900,
                    m: 1,
                    d: 1,
                },
                Clock::default(),
                None,
            ),
        }
    }
}

impl fmt::Display for Temporal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Temporal::Delta(us) => {
                let days = us.div_euclid(US_PER_DAY);
                let rest = us.rem_euclid(US_PER_DAY);
                let secs = rest / US_PER_SEC;
                let micros = rest % US_PER_SEC;
                if days != 0 {
                    write!(f, "{days} day{}, ", if days.abs() != 1 { "s" } else { "" })?;
                }
                write!(f, "{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)?;
                if micros != 0 {
                    write!(f, ".{micros:06}")?;
                }
                Ok(())
            }
            other => f.write_str(&other.isoformat(" ", "auto").map_err(|_| fmt::Error)?),
        }
    }
}

struct TemporalObj(Temporal);

/// Python's `repr()`, which lists and dicts show their items with.
impl fmt::Debug for TemporalObj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tz_suffix = |tz: &Option<Tz>| {
            tz.as_ref()
                .map(|t| format!(", tzinfo={}", t.repr()))
                .unwrap_or_default()
        };
        match &self.0 {
            Temporal::Date(d) => write!(f, "datetime.date({}, {}, {})", d.y, d.m, d.d),
            Temporal::DateTime(d, c, tz) => {
                let mut parts = vec![
                    d.y,
                    d.m as i64,
                    d.d as i64,
                    c.h as i64,
                    c.mi as i64,
                    c.s as i64,
                    c.us as i64,
                ];
                for _ in 0..2 {
                    if parts.last() == Some(&0) {
                        parts.pop();
                    }
                }
                let parts: Vec<String> = parts.iter().map(i64::to_string).collect();
                write!(
                    f,
                    "datetime.datetime({}{})",
                    parts.join(", "),
                    tz_suffix(tz)
                )
            }
            Temporal::Time(c, tz) => {
                let rest = match (c.s, c.us) {
                    (s, us) if us != 0 => format!(", {s}, {us}"),
                    (s, _) if s != 0 => format!(", {s}"),
                    _ => String::new(),
                };
                write!(f, "datetime.time({}, {}{rest}{})", c.h, c.mi, tz_suffix(tz))
            }
            Temporal::Delta(us) => {
                let mut args = Vec::new();
                let days = us.div_euclid(US_PER_DAY);
                let secs = us.rem_euclid(US_PER_DAY) / US_PER_SEC;
                let micros = us.rem_euclid(US_PER_SEC);
                if days != 0 {
                    args.push(format!("days={days}"));
                }
                if secs != 0 {
                    args.push(format!("seconds={secs}"));
                }
                if micros != 0 {
                    args.push(format!("microseconds={micros}"));
                }
                if args.is_empty() {
                    args.push("0".into());
                }
                write!(f, "datetime.timedelta({})", args.join(", "))
            }
        }
    }
}

/// `date.isocalendar()`: the named tuple `(year, week, weekday)`.
struct IsoCalendar(i64, u32, u32);

impl fmt::Debug for IsoCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "datetime.IsoCalendarDate(year={}, week={}, weekday={})",
            self.0, self.1, self.2
        )
    }
}

impl Object for IsoCalendar {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match (key.as_str(), key.as_i64()) {
            (Some("year"), _) | (_, Some(0 | -3)) => Some(Value::from(self.0)),
            (Some("week"), _) | (_, Some(1 | -2)) => Some(Value::from(self.1)),
            (Some("weekday"), _) | (_, Some(2 | -1)) => Some(Value::from(self.2)),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(3)
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

const DATE_METHODS: &[&str] = &[
    "strftime",
    "isoformat",
    "weekday",
    "isoweekday",
    "isocalendar",
    "replace",
    "toordinal",
    "ctime",
    "timetuple",
    "__add__",
    "__sub__",
    "__radd__",
    "__rsub__",
    "__format__",
];
const DATETIME_METHODS: &[&str] = &[
    "strftime",
    "isoformat",
    "weekday",
    "isoweekday",
    "isocalendar",
    "replace",
    "toordinal",
    "ctime",
    "date",
    "time",
    "timetz",
    "timestamp",
    "astimezone",
    "utcoffset",
    "tzname",
    "dst",
    "__add__",
    "__sub__",
    "__radd__",
    "__rsub__",
    "__format__",
];
const TIME_METHODS: &[&str] = &[
    "strftime",
    "isoformat",
    "replace",
    "utcoffset",
    "tzname",
    "dst",
    "__format__",
];
const DELTA_METHODS: &[&str] = &[
    "total_seconds",
    "__add__",
    "__sub__",
    "__radd__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__truediv__",
    "__floordiv__",
    "__mod__",
    "__neg__",
    "__pos__",
    "__abs__",
];

impl Object for TemporalObj {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        let attr = match (&self.0, key) {
            (Temporal::Date(d) | Temporal::DateTime(d, ..), "year") => Some(Value::from(d.y)),
            (Temporal::Date(d) | Temporal::DateTime(d, ..), "month") => Some(Value::from(d.m)),
            (Temporal::Date(d) | Temporal::DateTime(d, ..), "day") => Some(Value::from(d.d)),
            (Temporal::DateTime(_, c, _) | Temporal::Time(c, _), "hour") => Some(Value::from(c.h)),
            (Temporal::DateTime(_, c, _) | Temporal::Time(c, _), "minute") => {
                Some(Value::from(c.mi))
            }
            (Temporal::DateTime(_, c, _) | Temporal::Time(c, _), "second") => {
                Some(Value::from(c.s))
            }
            (Temporal::DateTime(_, c, _) | Temporal::Time(c, _), "microsecond") => {
                Some(Value::from(c.us))
            }
            (Temporal::DateTime(_, _, tz) | Temporal::Time(_, tz), "tzinfo") => Some(
                tz.clone()
                    .map(|t| Value::from_object(TzObj(t)))
                    .unwrap_or(Value::from(())),
            ),
            (Temporal::DateTime(..) | Temporal::Time(..), "fold") => Some(Value::from(0)),
            (Temporal::Delta(us), "days") => Some(Value::from(us.div_euclid(US_PER_DAY) as i64)),
            (Temporal::Delta(us), "seconds") => {
                Some(Value::from((us.rem_euclid(US_PER_DAY) / US_PER_SEC) as i64))
            }
            (Temporal::Delta(us), "microseconds") => {
                Some(Value::from((us.rem_euclid(US_PER_SEC)) as i64))
            }
            _ => None,
        };
        if attr.is_some() {
            return attr;
        }
        let names = match &self.0 {
            Temporal::Date(_) => DATE_METHODS,
            Temporal::DateTime(..) => DATETIME_METHODS,
            Temporal::Time(..) => TIME_METHODS,
            Temporal::Delta(_) => DELTA_METHODS,
        };
        method_value(Value::from_dyn_object(self.clone()), names, key)
    }

    fn is_true(self: &Arc<Self>) -> bool {
        !matches!(self.0, Temporal::Delta(0))
    }

    fn custom_cmp(self: &Arc<Self>, other: &DynObject) -> Option<Ordering> {
        let other = other.downcast_ref::<TemporalObj>()?;
        match (&self.0, &other.0) {
            (Temporal::Date(a), Temporal::Date(b)) => Some(a.cmp(b)),
            (Temporal::Delta(a), Temporal::Delta(b)) => Some(a.cmp(b)),
            (a @ Temporal::DateTime(..), b @ Temporal::DateTime(..)) => {
                let (x, _) = a.instant()?;
                let (y, _) = b.instant()?;
                Some(x.cmp(&y))
            }
            (Temporal::Time(a, _), Temporal::Time(b, _)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    fn call_method(
        self: &Arc<Self>,
        state: &mut State<'_, '_>,
        name: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let _ = state;
        let me = Value::from_dyn_object(self.clone());
        let t = &self.0;
        match name {
            "strftime" | "__format__" => {
                let s = bind(name, args, &["format"])?;
                let fmt = str_of(required(&s, 0, name, "format")?, "strftime")?;
                if matches!(t, Temporal::Delta(_)) {
                    return Err(Error::from(ErrorKind::UnknownMethod));
                }
                let (d, c, tz) = t.date_clock_tz();
                Ok(Value::from(strftime(fmt, d, c, tz)))
            }
            "isoformat" => {
                let s = bind(name, args, &["sep", "timespec"])?;
                let (sep, spec) = match t {
                    Temporal::Time(..) => (
                        "T".to_string(),
                        s[0].as_ref()
                            .map(|v| str_of(v, "isoformat").map(str::to_string))
                            .transpose()?
                            .unwrap_or_else(|| "auto".into()),
                    ),
                    _ => (
                        s[0].as_ref()
                            .map(|v| str_of(v, "isoformat").map(str::to_string))
                            .transpose()?
                            .unwrap_or_else(|| "T".into()),
                        s[1].as_ref()
                            .map(|v| str_of(v, "isoformat").map(str::to_string))
                            .transpose()?
                            .unwrap_or_else(|| "auto".into()),
                    ),
                };
                Ok(Value::from(t.isoformat(&sep, &spec)?))
            }
            "weekday" => Ok(Value::from(t.date_clock_tz().0.weekday())),
            "isoweekday" => Ok(Value::from(t.date_clock_tz().0.weekday() + 1)),
            "isocalendar" => {
                let (y, w, d) = t.date_clock_tz().0.iso_calendar();
                Ok(Value::from_object(IsoCalendar(y, w, d)))
            }
            "toordinal" => Ok(Value::from(t.date_clock_tz().0.ordinal())),
            "ctime" => {
                let (d, c, _) = t.date_clock_tz();
                Ok(Value::from(strftime("%a %b %e %H:%M:%S %Y", d, c, None)))
            }
            "timetuple" => {
                let (d, c, _) = t.date_clock_tz();
                Ok(tuple(
                    [
                        d.y,
                        d.m as i64,
                        d.d as i64,
                        c.h as i64,
                        c.mi as i64,
                        c.s as i64,
                        d.weekday() as i64,
                        d.yday() as i64,
                        -1,
                    ]
                    .into_iter()
                    .map(Value::from)
                    .collect(),
                ))
            }
            "replace" => replace(t, args),
            "date" => match t {
                Temporal::DateTime(d, ..) => Ok(Temporal::Date(*d).into_value()),
                _ => Err(Error::from(ErrorKind::UnknownMethod)),
            },
            "time" => match t {
                Temporal::DateTime(_, c, _) => Ok(Temporal::Time(*c, None).into_value()),
                _ => Err(Error::from(ErrorKind::UnknownMethod)),
            },
            "timetz" => match t {
                Temporal::DateTime(_, c, tz) => Ok(Temporal::Time(*c, tz.clone()).into_value()),
                _ => Err(Error::from(ErrorKind::UnknownMethod)),
            },
            "timestamp" => {
                let (us, _) = t
                    .instant()
                    .ok_or_else(|| Error::from(ErrorKind::UnknownMethod))?;
                let epoch = naive_us(
                    &Date {
                        y: 1970,
                        m: 1,
                        d: 1,
                    },
                    &Clock::default(),
                );
                Ok(Value::from((us - epoch) as f64 / US_PER_SEC as f64))
            }
            "astimezone" => {
                let s = bind(name, args, &["tz"])?;
                let tz = match &s[0] {
                    Some(v) => tz_of(v)?.unwrap_or_else(Tz::std_utc),
                    None => Tz::std_utc(),
                };
                let (us, _) = t
                    .instant()
                    .ok_or_else(|| Error::from(ErrorKind::UnknownMethod))?;
                let (d, c) = from_naive_us(us + tz.offset as i128 * US_PER_SEC)?;
                Ok(Temporal::DateTime(d, c, Some(tz)).into_value())
            }
            "utcoffset" | "dst" => match t {
                Temporal::DateTime(_, _, tz) | Temporal::Time(_, tz) => Ok(match tz {
                    Some(tz) if name == "utcoffset" => {
                        Temporal::Delta(tz.offset as i128 * US_PER_SEC).into_value()
                    }
                    Some(_) => Temporal::Delta(0).into_value(),
                    None => Value::from(()),
                }),
                _ => Err(Error::from(ErrorKind::UnknownMethod)),
            },
            "tzname" => match t {
                Temporal::DateTime(_, _, tz) | Temporal::Time(_, tz) => Ok(tz
                    .as_ref()
                    .and_then(Tz::tzname)
                    .map(Value::from)
                    .unwrap_or(Value::from(()))),
                _ => Err(Error::from(ErrorKind::UnknownMethod)),
            },
            "total_seconds" => match t {
                Temporal::Delta(us) => Ok(Value::from(*us as f64 / US_PER_SEC as f64)),
                _ => Err(Error::from(ErrorKind::UnknownMethod)),
            },
            "__neg__" | "__pos__" | "__abs__" => match t {
                Temporal::Delta(us) => Ok(Temporal::Delta(match name {
                    "__neg__" => -us,
                    "__abs__" => us.abs(),
                    _ => *us,
                })
                .into_value()),
                _ => Err(Error::from(ErrorKind::UnknownMethod)),
            },
            "__add__" | "__sub__" | "__mul__" | "__truediv__" | "__floordiv__" | "__mod__"
            | "__radd__" | "__rsub__" | "__rmul__" => {
                let other = args
                    .first()
                    .ok_or_else(|| type_error(format!("{name}() takes exactly one argument")))?;
                let (op, reflected) = match name {
                    "__add__" => ("+", false),
                    "__radd__" => ("+", true),
                    "__sub__" => ("-", false),
                    "__rsub__" => ("-", true),
                    "__mul__" => ("*", false),
                    "__rmul__" => ("*", true),
                    "__truediv__" => ("/", false),
                    "__floordiv__" => ("//", false),
                    _ => ("%", false),
                };
                if reflected {
                    arith(op, other, &me)
                } else {
                    arith(op, &me, other)
                }
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

fn unsupported(op: &str, lhs: &Value, rhs: &Value) -> Error {
    let name = |v: &Value| {
        temporal_of(v)
            .map(|t| t.type_name().to_string())
            .unwrap_or_else(|| v.kind().to_string())
    };
    type_error(format!(
        "unsupported operand type(s) for {op}: '{}' and '{}'",
        name(lhs),
        name(rhs)
    ))
}

fn round_half_even(x: f64) -> i128 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        (2.0 * (x / 2.0).round()) as i128
    } else {
        r as i128
    }
}

fn arith(op: &str, lhs: &Value, rhs: &Value) -> Result<Value, Error> {
    let l = temporal_of(lhs);
    let r = temporal_of(rhs);
    let out = match (op, l, r) {
        ("+", Some(Temporal::Delta(a)), Some(Temporal::Delta(b))) => delta(a + b)?,
        ("-", Some(Temporal::Delta(a)), Some(Temporal::Delta(b))) => delta(a - b)?,
        ("+", Some(Temporal::Date(d)), Some(Temporal::Delta(us)))
        | ("+", Some(Temporal::Delta(us)), Some(Temporal::Date(d))) => Temporal::Date(
            Date::from_ordinal(d.ordinal() + us.div_euclid(US_PER_DAY) as i64)?,
        ),
        ("-", Some(Temporal::Date(d)), Some(Temporal::Delta(us))) => Temporal::Date(
            Date::from_ordinal(d.ordinal() - us.div_euclid(US_PER_DAY) as i64)?,
        ),
        ("-", Some(Temporal::Date(a)), Some(Temporal::Date(b))) => {
            delta((a.ordinal() - b.ordinal()) as i128 * US_PER_DAY)?
        }
        ("+", Some(Temporal::DateTime(d, c, tz)), Some(Temporal::Delta(us)))
        | ("+", Some(Temporal::Delta(us)), Some(Temporal::DateTime(d, c, tz))) => {
            let (d, c) = from_naive_us(naive_us(d, c) + us)?;
            Temporal::DateTime(d, c, tz.clone())
        }
        ("-", Some(Temporal::DateTime(d, c, tz)), Some(Temporal::Delta(us))) => {
            let (d, c) = from_naive_us(naive_us(d, c) - us)?;
            Temporal::DateTime(d, c, tz.clone())
        }
        ("-", Some(a @ Temporal::DateTime(..)), Some(b @ Temporal::DateTime(..))) => {
            let (x, xa) = a.instant().unwrap_or_default();
            let (y, ya) = b.instant().unwrap_or_default();
            if xa != ya {
                return Err(type_error(
                    "can't subtract offset-naive and offset-aware datetimes",
                ));
            }
            delta(x - y)?
        }
        ("*", Some(Temporal::Delta(us)), None) | ("*", None, Some(Temporal::Delta(us))) => {
            let n = if l.is_some() { rhs } else { lhs };
            match num_of(n) {
                Some(Num::Int(i)) => delta(
                    us.checked_mul(i)
                        .ok_or_else(|| py_err("OverflowError", "timedelta too large"))?,
                )?,
                Some(Num::Float(x)) => delta(round_half_even(*us as f64 * x))?,
                None => return Err(unsupported(op, lhs, rhs)),
            }
        }
        ("/", Some(Temporal::Delta(a)), Some(Temporal::Delta(b))) => {
            if *b == 0 {
                return Err(py_err("ZeroDivisionError", "division by zero"));
            }
            return Ok(Value::from(*a as f64 / *b as f64));
        }
        ("//", Some(Temporal::Delta(a)), Some(Temporal::Delta(b))) => {
            if *b == 0 {
                return Err(py_err(
                    "ZeroDivisionError",
                    "integer division or modulo by zero",
                ));
            }
            return Ok(Value::from(a.div_euclid(*b) as i64));
        }
        ("%", Some(Temporal::Delta(a)), Some(Temporal::Delta(b))) => {
            if *b == 0 {
                return Err(py_err(
                    "ZeroDivisionError",
                    "integer division or modulo by zero",
                ));
            }
            delta(a.rem_euclid(*b))?
        }
        ("/" | "//", Some(Temporal::Delta(us)), None) => match num_of(rhs) {
            Some(Num::Int(0)) => return Err(py_err("ZeroDivisionError", "division by zero")),
            Some(Num::Int(i)) if op == "//" => delta(us.div_euclid(i))?,
            Some(Num::Int(i)) => delta(round_half_even(*us as f64 / i as f64))?,
            Some(Num::Float(x)) if op == "/" && x != 0.0 => delta(round_half_even(*us as f64 / x))?,
            _ => return Err(unsupported(op, lhs, rhs)),
        },
        _ => return Err(unsupported(op, lhs, rhs)),
    };
    Ok(out.into_value())
}

fn replace(t: &Temporal, args: &[Value]) -> Result<Value, Error> {
    match t {
        Temporal::Date(d) => {
            let s = bind("replace", args, &["year", "month", "day"])?;
            let nd = Date::new(
                opt_int(&s, 0, d.y, "year")?,
                opt_int(&s, 1, d.m as i64, "month")?,
                opt_int(&s, 2, d.d as i64, "day")?,
            )?;
            Ok(Temporal::Date(nd).into_value())
        }
        Temporal::DateTime(d, c, tz) => {
            let s = bind(
                "replace",
                args,
                &[
                    "year",
                    "month",
                    "day",
                    "hour",
                    "minute",
                    "second",
                    "microsecond",
                    "tzinfo",
                    "fold",
                ],
            )?;
            let nd = Date::new(
                opt_int(&s, 0, d.y, "year")?,
                opt_int(&s, 1, d.m as i64, "month")?,
                opt_int(&s, 2, d.d as i64, "day")?,
            )?;
            let nc = Clock::new(
                opt_int(&s, 3, c.h as i64, "hour")?,
                opt_int(&s, 4, c.mi as i64, "minute")?,
                opt_int(&s, 5, c.s as i64, "second")?,
                opt_int(&s, 6, c.us as i64, "microsecond")?,
            )?;
            let ntz = match &s[7] {
                Some(v) => tz_of(v)?,
                None => tz.clone(),
            };
            Ok(Temporal::DateTime(nd, nc, ntz).into_value())
        }
        Temporal::Time(c, tz) => {
            let s = bind(
                "replace",
                args,
                &["hour", "minute", "second", "microsecond", "tzinfo", "fold"],
            )?;
            let nc = Clock::new(
                opt_int(&s, 0, c.h as i64, "hour")?,
                opt_int(&s, 1, c.mi as i64, "minute")?,
                opt_int(&s, 2, c.s as i64, "second")?,
                opt_int(&s, 3, c.us as i64, "microsecond")?,
            )?;
            let ntz = match &s[4] {
                Some(v) => tz_of(v)?,
                None => tz.clone(),
            };
            Ok(Temporal::Time(nc, ntz).into_value())
        }
        Temporal::Delta(_) => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

// ---- strftime / strptime ---------------------------------------------------

/// Python's `strftime` on Linux: Python's own `%f`, `%z`, `%Z`, then glibc's
/// directives and flags (`-` no padding, `_` space padding, `0`, `^` upper case).
fn strftime(fmt: &str, d: Date, c: Clock, tz: Option<&Tz>) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let mut flag = None;
        if let Some(&f) = chars.peek() {
            if matches!(f, '-' | '_' | '0' | '^' | '#') {
                flag = Some(f);
                chars.next();
            }
        }
        let Some(conv) = chars.next() else {
            out.push('%');
            if let Some(f) = flag {
                out.push(f);
            }
            break;
        };
        let num = |v: i64, width: usize, pad: char| -> String {
            let (width, pad) = match flag {
                Some('-') => (0, pad),
                Some('_') => (width, ' '),
                Some('0') => (width, '0'),
                _ => (width, pad),
            };
            let s = v.abs().to_string();
            let sign = if v < 0 { "-" } else { "" };
            let fill = width.saturating_sub(s.len() + sign.len());
            format!("{sign}{}{s}", pad.to_string().repeat(fill))
        };
        let hour12 = match c.h % 12 {
            0 => 12,
            h => h as i64,
        };
        let wd = d.weekday() as usize;
        let sunday_wd = (wd + 1) % 7;
        let yday0 = d.yday() as i64 - 1;
        let piece = match conv {
            'a' => DAY_NAMES[wd][..3].to_string(),
            'A' => DAY_NAMES[wd].to_string(),
            'b' | 'h' => MONTH_NAMES[d.m as usize - 1][..3].to_string(),
            'B' => MONTH_NAMES[d.m as usize - 1].to_string(),
            'C' => num(d.y / 100, 2, '0'),
            'd' => num(d.d as i64, 2, '0'),
            'e' => num(d.d as i64, 2, ' '),
            'f' => format!("{:06}", c.us),
            'H' => num(c.h as i64, 2, '0'),
            'I' => num(hour12, 2, '0'),
            'k' => num(c.h as i64, 2, ' '),
            'l' => num(hour12, 2, ' '),
            'j' => num(d.yday() as i64, 3, '0'),
            'm' => num(d.m as i64, 2, '0'),
            'M' => num(c.mi as i64, 2, '0'),
            'p' => (if c.h < 12 { "AM" } else { "PM" }).to_string(),
            'P' => (if c.h < 12 { "am" } else { "pm" }).to_string(),
            'S' => num(c.s as i64, 2, '0'),
            'u' => num(wd as i64 + 1, 1, '0'),
            'w' => num(sunday_wd as i64, 1, '0'),
            'U' => num((yday0 + 7 - sunday_wd as i64) / 7, 2, '0'),
            'W' => num((yday0 + 7 - wd as i64) / 7, 2, '0'),
            'G' => num(d.iso_calendar().0, 1, '0'),
            'g' => num(d.iso_calendar().0 % 100, 2, '0'),
            'V' => num(d.iso_calendar().1 as i64, 2, '0'),
            'y' => num(d.y % 100, 2, '0'),
            'Y' => num(d.y, 1, '0'),
            'z' => tz
                .map(|t| format_offset(t.offset as i128 * US_PER_SEC, ""))
                .unwrap_or_default(),
            'Z' => tz.and_then(Tz::tzname).unwrap_or_default(),
            'c' => strftime("%a %b %e %H:%M:%S %Y", d, c, tz),
            'x' | 'D' => strftime("%m/%d/%y", d, c, tz),
            'X' | 'T' => strftime("%H:%M:%S", d, c, tz),
            'F' => strftime("%Y-%m-%d", d, c, tz),
            'R' => strftime("%H:%M", d, c, tz),
            'r' => strftime("%I:%M:%S %p", d, c, tz),
            's' => {
                let epoch = naive_us(
                    &Date {
                        y: 1970,
                        m: 1,
                        d: 1,
                    },
                    &Clock::default(),
                );
                let off = tz.map(|t| t.offset as i128 * US_PER_SEC).unwrap_or(0);
                ((naive_us(&d, &c) - off - epoch).div_euclid(US_PER_SEC)).to_string()
            }
            'n' => "\n".to_string(),
            't' => "\t".to_string(),
            '%' => "%".to_string(),
            other => {
                let mut s = String::from('%');
                if let Some(f) = flag {
                    s.push(f);
                }
                s.push(other);
                s
            }
        };
        if flag == Some('^') {
            out.push_str(&piece.to_uppercase());
        } else {
            out.push_str(&piece);
        }
    }
    out
}

/// The regex of one strptime directive, as Python's `_strptime.TimeRE` has it.
fn strptime_directive(c: char) -> Option<String> {
    fn names(list: &[String]) -> String {
        let mut v: Vec<&String> = list.iter().collect();
        v.sort_by_key(|s| std::cmp::Reverse(s.len()));
        v.iter()
            .map(|s| regex_escape(s))
            .collect::<Vec<_>>()
            .join("|")
    }
    let lower = |list: &[&str], abbr: bool| -> Vec<String> {
        list.iter()
            .map(|s| {
                if abbr {
                    s[..3].to_lowercase()
                } else {
                    s.to_lowercase()
                }
            })
            .collect()
    };
    Some(match c {
        'd' => r"(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])".into(),
        'f' => r"(?P<f>[0-9]{1,6})".into(),
        'H' => r"(?P<H>2[0-3]|[0-1]\d|\d)".into(),
        'I' => r"(?P<I>1[0-2]|0[1-9]|[1-9])".into(),
        'G' => r"(?P<G>\d\d\d\d)".into(),
        'j' => r"(?P<j>36[0-6]|3[0-5]\d|[1-2]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])".into(),
        'm' => r"(?P<m>1[0-2]|0[1-9]|[1-9])".into(),
        'M' => r"(?P<M>[0-5]\d|\d)".into(),
        'S' => r"(?P<S>6[0-1]|[0-5]\d|\d)".into(),
        'U' => r"(?P<U>5[0-3]|[0-4]\d|\d)".into(),
        'W' => r"(?P<W>5[0-3]|[0-4]\d|\d)".into(),
        'w' => r"(?P<w>[0-6])".into(),
        'u' => r"(?P<u>[1-7])".into(),
        'V' => r"(?P<V>5[0-3]|0[1-9]|[1-4]\d|\d)".into(),
        'y' => r"(?P<y>\d\d)".into(),
        'Y' => r"(?P<Y>\d\d\d\d)".into(),
        'z' => r"(?P<z>[+-]\d\d:?[0-5]\d(:?[0-5]\d(\.\d{1,6})?)?|(?-i:Z))".into(),
        'A' => format!("(?P<A>{})", names(&lower(&DAY_NAMES, false))),
        'a' => format!("(?P<a>{})", names(&lower(&DAY_NAMES, true))),
        'B' => format!("(?P<B>{})", names(&lower(&MONTH_NAMES, false))),
        'b' => format!("(?P<b>{})", names(&lower(&MONTH_NAMES, true))),
        'p' => "(?P<p>am|pm)".into(),
        'Z' => "(?P<Z>utc|gmt)".into(),
        '%' => "%".into(),
        _ => return None,
    })
}

fn strptime_regex(fmt: &str) -> Result<String, Error> {
    let bad = |d: &str| value_error(format!("'{d}' is a bad directive in format '{fmt}'"));
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    let mut seen = std::collections::BTreeSet::new();
    while let Some(ch) = chars.next() {
        if ch == '%' {
            let Some(d) = chars.next() else {
                return Err(value_error(format!("stray % in format '{fmt}'")));
            };
            let expanded = match d {
                'c' => Some("%a %b %d %H:%M:%S %Y"),
                'x' => Some("%m/%d/%y"),
                'X' => Some("%H:%M:%S"),
                _ => None,
            };
            if let Some(e) = expanded {
                out.push_str(&strptime_regex(e)?);
                continue;
            }
            let re = strptime_directive(d).ok_or_else(|| bad(&d.to_string()))?;
            if d != '%' && !seen.insert(d) {
                // Python's `re` rejects a group name used twice.
                return Err(py_err(
                    "re.error",
                    format!("redefinition of group name '{d}'"),
                ));
            }
            out.push_str(&re);
        } else if ch.is_whitespace() {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            out.push_str(r"\s+");
        } else {
            out.push_str(&regex_escape(&ch.to_string()));
        }
    }
    Ok(out)
}

/// Python's `datetime.strptime`: a naive datetime, or an aware one with `%z`.
fn strptime(data: &str, fmt: &str) -> Result<Temporal, Error> {
    let re = regex_lite::RegexBuilder::new(&strptime_regex(fmt)?)
        .case_insensitive(true)
        .build()
        .map_err(|e| value_error(e.to_string()))?;
    let nomatch = || {
        value_error(format!(
            "time data {} does not match format {}",
            py_repr(data),
            py_repr(fmt)
        ))
    };
    let caps = re
        .captures(data)
        .filter(|c| c.get(0).is_some_and(|m| m.start() == 0))
        .ok_or_else(nomatch)?;
    let end = caps.get(0).map(|m| m.end()).unwrap_or(0);
    if end != data.len() {
        return Err(value_error(format!(
            "unconverted data remains: {}",
            &data[end..]
        )));
    }
    let g = |n: &str| caps.name(n).map(|m| m.as_str());
    let int = |n: &str| g(n).and_then(|s| s.trim().parse::<i64>().ok());
    let mut year = 1900;
    if let Some(y) = int("y") {
        year = if y <= 68 { y + 2000 } else { y + 1900 };
    }
    if let Some(y) = int("Y") {
        year = y;
    }
    let mut month = int("m").unwrap_or(1);
    let name_index = |n: &str, full: bool, list: &[&str]| -> Option<i64> {
        let v = g(n)?.to_lowercase();
        list.iter()
            .position(|x| {
                if full {
                    x.to_lowercase() == v
                } else {
                    x[..3].to_lowercase() == v
                }
            })
            .map(|i| i as i64)
    };
    if let Some(i) =
        name_index("B", true, &MONTH_NAMES).or_else(|| name_index("b", false, &MONTH_NAMES))
    {
        month = i + 1;
    }
    let mut day = int("d").unwrap_or(1);
    let mut hour = int("H").unwrap_or(0);
    if let Some(h) = int("I") {
        let pm = g("p").is_some_and(|p| p.eq_ignore_ascii_case("pm"));
        hour = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
    }
    let minute = int("M").unwrap_or(0);
    let second = int("S").unwrap_or(0);
    let micro = g("f")
        .map(|f| format!("{f:0<6}").parse::<i64>().unwrap_or(0))
        .unwrap_or(0);
    if let (Some(j), None, None) = (int("j"), g("m").or(g("b")).or(g("B")), g("d")) {
        let date = Date::from_ordinal(Date::new(year, 1, 1)?.ordinal() + j - 1)?;
        month = date.m as i64;
        day = date.d as i64;
    }
    let tz = match g("z") {
        None => None,
        Some("Z") | Some("z") => Some(Tz::std_utc()),
        Some(z) => Some(Tz::fixed(parse_offset(z).ok_or_else(nomatch)? as i32, None)),
    };
    Ok(Temporal::DateTime(
        Date::new(year, month, day)?,
        Clock::new(hour, minute, second, micro)?,
        tz,
    ))
}

/// `+HH[:]MM[[:]SS[.ffffff]]` in seconds (fractions dropped).
fn parse_offset(z: &str) -> Option<i64> {
    let sign = match z.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let digits: String = z[1..]
        .split('.')
        .next()?
        .chars()
        .filter(|c| *c != ':')
        .collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || !matches!(digits.len(), 2 | 4 | 6) {
        return None;
    }
    let part = |i: usize| {
        digits
            .get(i..i + 2)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    Some(sign * (part(0) * 3600 + part(2) * 60 + part(4)))
}

fn py_repr(s: &str) -> String {
    if s.contains('\'') && !s.contains('"') {
        format!("\"{s}\"")
    } else {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

fn parse_iso_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = match b.len() {
        10 if b[4] == b'-' && b[7] == b'-' => (num(0..4)?, num(5..7)?, num(8..10)?),
        8 => (num(0..4)?, num(4..6)?, num(6..8)?),
        _ => return None,
    };
    Date::new(y, m, d).ok()
}

fn parse_iso_time(s: &str) -> Option<(Clock, Option<Tz>)> {
    let (t, tz) = match s.find(['+', '-', 'Z', 'z']) {
        Some(i) => {
            let z = &s[i..];
            let tz = if z.eq_ignore_ascii_case("z") {
                Tz::std_utc()
            } else {
                Tz::fixed(parse_offset(z)? as i32, None)
            };
            (&s[..i], Some(tz))
        }
        None => (s, None),
    };
    let (hms, frac) = match t.find(['.', ',']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits: String = hms.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || !matches!(digits.len(), 2 | 4 | 6) {
        return None;
    }
    let part = |i: usize| {
        digits
            .get(i..i + 2)
            .and_then(|x| x.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let us = match frac {
        Some(f) if !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()) => {
            let f: String = f.chars().take(6).collect();
            format!("{f:0<6}").parse().ok()?
        }
        Some(_) => return None,
        None => 0,
    };
    Some((Clock::new(part(0), part(2), part(4), us).ok()?, tz))
}

/// Python 3.11's `datetime.fromisoformat`.
fn parse_iso_datetime(s: &str) -> Result<(Date, Clock, Option<Tz>), Error> {
    let bad = || value_error(format!("Invalid isoformat string: {}", py_repr(s)));
    let date_len = if s.len() >= 10 && s.as_bytes().get(4) == Some(&b'-') {
        10
    } else {
        8
    };
    if s.len() <= date_len {
        return Ok((parse_iso_date(s).ok_or_else(bad)?, Clock::default(), None));
    }
    let date = parse_iso_date(s.get(..date_len).ok_or_else(bad)?).ok_or_else(bad)?;
    let rest = s.get(date_len..).ok_or_else(bad)?;
    let mut it = rest.chars();
    it.next();
    let (clock, tz) = parse_iso_time(it.as_str()).ok_or_else(bad)?;
    Ok((date, clock, tz))
}

// ---- the datetime module ----------------------------------------------------

/// dbt exports `date`, `datetime`, `time`, `timedelta` and `tzinfo` only.
#[derive(Debug)]
struct DatetimeModule {
    now: (Date, Clock),
}

impl Object for DatetimeModule {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let class = |kind| {
            Value::from_object(Class {
                kind,
                now: self.now,
            })
        };
        Some(match key.as_str()? {
            "datetime" => class(ClassKind::DateTime),
            "date" => class(ClassKind::Date),
            "time" => class(ClassKind::Time),
            "timedelta" => class(ClassKind::Delta),
            "tzinfo" => class(ClassKind::TzInfo),
            _ => return None,
        })
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<module 'datetime'>")
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ClassKind {
    DateTime,
    Date,
    Time,
    Delta,
    TimeZone,
    TzInfo,
}

/// `datetime.datetime`, `datetime.date`, ...: constructors with their class methods.
#[derive(Debug)]
struct Class {
    kind: ClassKind,
    now: (Date, Clock),
}

const DATETIME_CLASS_METHODS: &[&str] = &[
    "now",
    "utcnow",
    "today",
    "strptime",
    "fromisoformat",
    "combine",
    "fromtimestamp",
    "utcfromtimestamp",
    "fromordinal",
];
const DATE_CLASS_METHODS: &[&str] = &["today", "fromisoformat", "fromordinal", "fromtimestamp"];
const TIME_CLASS_METHODS: &[&str] = &["fromisoformat"];

impl Class {
    fn now_in(&self, tz: Option<Tz>) -> Result<Temporal, Error> {
        let (d, c) = self.now;
        Ok(match tz {
            None => Temporal::DateTime(d, c, None),
            Some(tz) => {
                let (d, c) = from_naive_us(naive_us(&d, &c) + tz.offset as i128 * US_PER_SEC)?;
                Temporal::DateTime(d, c, Some(tz))
            }
        })
    }

    fn construct(&self, args: &[Value]) -> Result<Value, Error> {
        Ok(match self.kind {
            ClassKind::DateTime => {
                let s = bind(
                    "datetime",
                    args,
                    &[
                        "year",
                        "month",
                        "day",
                        "hour",
                        "minute",
                        "second",
                        "microsecond",
                        "tzinfo",
                        "fold",
                    ],
                )?;
                let d = Date::new(
                    int_of(required(&s, 0, "datetime", "year")?, "year")?,
                    int_of(required(&s, 1, "datetime", "month")?, "month")?,
                    int_of(required(&s, 2, "datetime", "day")?, "day")?,
                )?;
                let c = Clock::new(
                    opt_int(&s, 3, 0, "hour")?,
                    opt_int(&s, 4, 0, "minute")?,
                    opt_int(&s, 5, 0, "second")?,
                    opt_int(&s, 6, 0, "microsecond")?,
                )?;
                let tz = match &s[7] {
                    Some(v) => tz_of(v)?,
                    None => None,
                };
                Temporal::DateTime(d, c, tz).into_value()
            }
            ClassKind::Date => {
                let s = bind("date", args, &["year", "month", "day"])?;
                Temporal::Date(Date::new(
                    int_of(required(&s, 0, "date", "year")?, "year")?,
                    int_of(required(&s, 1, "date", "month")?, "month")?,
                    int_of(required(&s, 2, "date", "day")?, "day")?,
                )?)
                .into_value()
            }
            ClassKind::Time => {
                let s = bind(
                    "time",
                    args,
                    &["hour", "minute", "second", "microsecond", "tzinfo", "fold"],
                )?;
                let c = Clock::new(
                    opt_int(&s, 0, 0, "hour")?,
                    opt_int(&s, 1, 0, "minute")?,
                    opt_int(&s, 2, 0, "second")?,
                    opt_int(&s, 3, 0, "microsecond")?,
                )?;
                let tz = match &s[4] {
                    Some(v) => tz_of(v)?,
                    None => None,
                };
                Temporal::Time(c, tz).into_value()
            }
            ClassKind::Delta => {
                let names = [
                    "days",
                    "seconds",
                    "microseconds",
                    "milliseconds",
                    "minutes",
                    "hours",
                    "weeks",
                ];
                let units: [i128; 7] = [
                    US_PER_DAY,
                    US_PER_SEC,
                    1,
                    1000,
                    60 * US_PER_SEC,
                    3600 * US_PER_SEC,
                    7 * US_PER_DAY,
                ];
                let s = bind("timedelta", args, &names)?;
                let mut exact: i128 = 0;
                let mut float = 0.0f64;
                let mut any_float = false;
                for (i, slot) in s.iter().enumerate() {
                    let Some(v) = slot else { continue };
                    match num_of(v) {
                        Some(Num::Int(n)) => {
                            exact = n
                                .checked_mul(units[i])
                                .and_then(|x| exact.checked_add(x))
                                .ok_or_else(|| py_err("OverflowError", "timedelta too large"))?
                        }
                        Some(Num::Float(x)) => {
                            any_float = true;
                            float += x * units[i] as f64;
                        }
                        None => {
                            return Err(type_error(format!(
                                "unsupported type for timedelta {} component: {}",
                                names[i],
                                v.kind()
                            )))
                        }
                    }
                }
                let total = if any_float {
                    exact + round_half_even(float)
                } else {
                    exact
                };
                delta(total)?.into_value()
            }
            ClassKind::TimeZone => {
                let s = bind("timezone", args, &["offset", "name"])?;
                let off = match temporal_of(required(&s, 0, "timezone", "offset")?) {
                    Some(Temporal::Delta(us)) => *us,
                    _ => {
                        return Err(type_error(
                            "timezone() argument 1 must be datetime.timedelta",
                        ))
                    }
                };
                if off.abs() >= US_PER_DAY {
                    return Err(value_error("offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)."));
                }
                let name = s[1]
                    .as_ref()
                    .map(|v| str_of(v, "timezone").map(str::to_string))
                    .transpose()?;
                Value::from_object(TzObj(Tz::fixed((off / US_PER_SEC) as i32, name)))
            }
            ClassKind::TzInfo => return Err(type_error("no tzinfo subclasses can be built here")),
        })
    }
}

impl Object for Class {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        let me = Value::from_dyn_object(self.clone());
        let attr = match (self.kind, key) {
            (ClassKind::DateTime, "min") => Some(Temporal::DateTime(
                Date { y: 1, m: 1, d: 1 },
                Clock::default(),
                None,
            )),
            (ClassKind::DateTime, "max") => Some(Temporal::DateTime(
                Date {
                    y: 9999,
                    m: 12,
                    d: 31,
                },
                Clock {
                    h: 23,
                    mi: 59,
                    s: 59,
                    us: 999_999,
                },
                None,
            )),
            (ClassKind::Date, "min") => Some(Temporal::Date(Date { y: 1, m: 1, d: 1 })),
            (ClassKind::Date, "max") => Some(Temporal::Date(Date {
                y: 9999,
                m: 12,
                d: 31,
            })),
            (ClassKind::Time, "min") => Some(Temporal::Time(Clock::default(), None)),
            (ClassKind::Time, "max") => Some(Temporal::Time(
                Clock {
                    h: 23,
                    mi: 59,
                    s: 59,
                    us: 999_999,
                },
                None,
            )),
            (ClassKind::Delta, "min") => Some(Temporal::Delta(-999_999_999 * US_PER_DAY)),
            (ClassKind::Delta, "max") => Some(Temporal::Delta(MAX_DELTA_US)),
            (ClassKind::Date, "resolution") => Some(Temporal::Delta(US_PER_DAY)),
            (ClassKind::DateTime | ClassKind::Time | ClassKind::Delta, "resolution") => {
                Some(Temporal::Delta(1))
            }
            _ => None,
        };
        if let Some(a) = attr {
            return Some(a.into_value());
        }
        if self.kind == ClassKind::TimeZone && key == "utc" {
            return Some(Value::from_object(TzObj(Tz::std_utc())));
        }
        let names = match self.kind {
            ClassKind::DateTime => DATETIME_CLASS_METHODS,
            ClassKind::Date => DATE_CLASS_METHODS,
            ClassKind::Time => TIME_CLASS_METHODS,
            _ => &[],
        };
        method_value(me, names, key)
    }

    fn call(self: &Arc<Self>, _state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        self.construct(args)
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        name: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let is_dt = self.kind == ClassKind::DateTime;
        let is_date = self.kind == ClassKind::Date;
        match name {
            "now" if is_dt => {
                let s = bind("now", args, &["tz"])?;
                let tz = match &s[0] {
                    Some(v) => tz_of(v)?,
                    None => None,
                };
                Ok(self.now_in(tz)?.into_value())
            }
            "utcnow" | "today" if is_dt => {
                bind(name, args, &[])?;
                Ok(self.now_in(None)?.into_value())
            }
            "today" if is_date => {
                bind(name, args, &[])?;
                Ok(Temporal::Date(self.now.0).into_value())
            }
            "strptime" if is_dt => {
                let s = bind("strptime", args, &["date_string", "format"])?;
                let data = str_of(
                    required(&s, 0, "strptime", "date_string")?,
                    "strptime() argument 1",
                )?;
                let fmt = str_of(
                    required(&s, 1, "strptime", "format")?,
                    "strptime() argument 2",
                )?;
                Ok(strptime(data, fmt)?.into_value())
            }
            "fromisoformat" => {
                let s = bind("fromisoformat", args, &["date_string"])?;
                let text = str_of(
                    required(&s, 0, "fromisoformat", "date_string")?,
                    "fromisoformat: argument",
                )?;
                let bad = || value_error(format!("Invalid isoformat string: {}", py_repr(text)));
                Ok(match self.kind {
                    ClassKind::Date => Temporal::Date(parse_iso_date(text).ok_or_else(bad)?),
                    ClassKind::Time => {
                        let (c, tz) =
                            parse_iso_time(text.trim_start_matches('T')).ok_or_else(bad)?;
                        Temporal::Time(c, tz)
                    }
                    _ => {
                        let (d, c, tz) = parse_iso_datetime(text)?;
                        Temporal::DateTime(d, c, tz)
                    }
                }
                .into_value())
            }
            "fromordinal" if is_dt || is_date => {
                let s = bind("fromordinal", args, &["ordinal"])?;
                let d = Date::from_ordinal(int_of(
                    required(&s, 0, "fromordinal", "ordinal")?,
                    "ordinal",
                )?)?;
                Ok(if is_dt {
                    Temporal::DateTime(d, Clock::default(), None)
                } else {
                    Temporal::Date(d)
                }
                .into_value())
            }
            "fromtimestamp" | "utcfromtimestamp" if is_dt || is_date => {
                let s = bind(name, args, &["timestamp", "tz"])?;
                let ts = required(&s, 0, name, "timestamp")?;
                let us = match num_of(ts) {
                    Some(Num::Int(i)) => i * US_PER_SEC,
                    Some(Num::Float(x)) => round_half_even(x * US_PER_SEC as f64),
                    None => return Err(type_error("an integer or float is required")),
                };
                let epoch = naive_us(
                    &Date {
                        y: 1970,
                        m: 1,
                        d: 1,
                    },
                    &Clock::default(),
                );
                let tz = match &s[1] {
                    Some(v) if name == "fromtimestamp" => tz_of(v)?,
                    _ => None,
                };
                let off = tz
                    .as_ref()
                    .map(|t| t.offset as i128 * US_PER_SEC)
                    .unwrap_or(0);
                let (d, c) = from_naive_us(epoch + us + off)?;
                Ok(if is_dt {
                    Temporal::DateTime(d, c, tz)
                } else {
                    Temporal::Date(d)
                }
                .into_value())
            }
            "combine" if is_dt => {
                let s = bind("combine", args, &["date", "time", "tzinfo"])?;
                let d = match temporal_of(required(&s, 0, "combine", "date")?) {
                    Some(Temporal::Date(d)) | Some(Temporal::DateTime(d, ..)) => *d,
                    _ => return Err(type_error("combine() argument 1 must be datetime.date")),
                };
                let (c, tz) = match temporal_of(required(&s, 1, "combine", "time")?) {
                    Some(Temporal::Time(c, tz)) => (*c, tz.clone()),
                    _ => return Err(type_error("combine() argument 2 must be datetime.time")),
                };
                let tz = match &s[2] {
                    Some(v) => tz_of(v)?,
                    None => tz,
                };
                Ok(Temporal::DateTime(d, c, tz).into_value())
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.kind {
            ClassKind::DateTime => "datetime",
            ClassKind::Date => "date",
            ClassKind::Time => "time",
            ClassKind::Delta => "timedelta",
            ClassKind::TimeZone => "timezone",
            ClassKind::TzInfo => "tzinfo",
        };
        write!(f, "<class 'datetime.{name}'>")
    }
}

/// A `tzinfo` value (`pytz.utc`, `datetime.timezone.utc`, fixed offsets).
struct TzObj(Tz);

impl fmt::Debug for TzObj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.repr())
    }
}

impl Object for TzObj {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        if key == "zone" && self.0.pytz {
            return Some(
                self.0
                    .zone
                    .clone()
                    .map(Value::from)
                    .unwrap_or(Value::from(())),
            );
        }
        method_value(
            Value::from_dyn_object(self.clone()),
            &[
                "utcoffset",
                "tzname",
                "dst",
                "localize",
                "normalize",
                "fromutc",
            ],
            key,
        )
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        name: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let tz = &self.0;
        match name {
            "utcoffset" => Ok(Temporal::Delta(tz.offset as i128 * US_PER_SEC).into_value()),
            "dst" => Ok(Temporal::Delta(0).into_value()),
            "tzname" => Ok(tz.tzname().map(Value::from).unwrap_or(Value::from(()))),
            "localize" | "normalize" | "fromutc" => {
                let s = bind(name, args, &["dt", "is_dst"])?;
                match temporal_of(required(&s, 0, name, "dt")?) {
                    Some(Temporal::DateTime(d, c, cur)) => {
                        if name == "localize" && cur.is_some() {
                            return Err(value_error("Not naive datetime (tzinfo is already set)"));
                        }
                        let (d, c) = match (name, cur) {
                            ("normalize", Some(cur)) => from_naive_us(
                                naive_us(d, c) + (tz.offset - cur.offset) as i128 * US_PER_SEC,
                            )?,
                            ("fromutc", _) => {
                                from_naive_us(naive_us(d, c) + tz.offset as i128 * US_PER_SEC)?
                            }
                            _ => (*d, *c),
                        };
                        Ok(Temporal::DateTime(d, c, Some(tz.clone())).into_value())
                    }
                    _ => Err(type_error(format!("{name}() argument must be a datetime"))),
                }
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.display())
    }
}

// ---- pytz ------------------------------------------------------------------

#[derive(Debug)]
struct Pytz;

fn pytz_zone(name: &str) -> Result<Tz, Error> {
    let static_zone = |tzname: &str, offset: i32| Tz {
        offset,
        name: Some(tzname.to_string()),
        zone: Some(name.to_string()),
        pytz: true,
    };
    match name {
        "UTC" | "utc" => Ok(Tz::pytz_utc()),
        "Etc/UTC" | "Etc/Universal" | "Etc/Zulu" | "Universal" | "Zulu" | "UCT" | "Etc/UCT" => {
            Ok(static_zone("UTC", 0))
        }
        "GMT" | "Etc/GMT" | "GMT0" | "GMT+0" | "GMT-0" | "Etc/GMT0" | "Etc/GMT+0" | "Etc/GMT-0"
        | "Greenwich" | "Etc/Greenwich" => Ok(static_zone("GMT", 0)),
        _ => {
            // `Etc/GMT+5` is five hours *behind* UTC, as in the tz database.
            if let Some(rest) = name.strip_prefix("Etc/GMT") {
                if let (Some(sign), Ok(hours)) = (
                    rest.chars().next(),
                    rest.get(1..).unwrap_or("").parse::<i32>(),
                ) {
                    if (sign == '+' || sign == '-') && (0..=14).contains(&hours) {
                        let east = if sign == '+' { -hours } else { hours };
                        return Ok(static_zone(
                            &format!("{}{:02}", if east < 0 { '-' } else { '+' }, east.abs()),
                            east * 3600,
                        ));
                    }
                }
            }
            Err(py_err(
                "pytz.exceptions.UnknownTimeZoneError",
                format!("{} (only UTC, its aliases and fixed offsets are known without a time zone database)", py_repr(name)),
            ))
        }
    }
}

impl Object for Pytz {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        match key {
            "utc" => Some(Value::from_object(TzObj(Tz::pytz_utc()))),
            _ => method_value(
                Value::from_dyn_object(self.clone()),
                &["timezone", "FixedOffset"],
                key,
            ),
        }
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        name: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match name {
            "timezone" => {
                let s = bind("timezone", args, &["zone"])?;
                let zone = str_of(required(&s, 0, "timezone", "zone")?, "timezone")?;
                Ok(Value::from_object(TzObj(pytz_zone(zone)?)))
            }
            "FixedOffset" => {
                let s = bind("FixedOffset", args, &["offset"])?;
                let minutes = int_of(required(&s, 0, "FixedOffset", "offset")?, "offset")?;
                if minutes == 0 {
                    return Ok(Value::from_object(TzObj(Tz::pytz_utc())));
                }
                if minutes.abs() >= 1440 {
                    return Err(value_error("absolute offset is too large"));
                }
                Ok(Value::from_object(TzObj(Tz {
                    offset: minutes as i32 * 60,
                    name: None,
                    zone: None,
                    pytz: true,
                })))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<module 'pytz'>")
    }
}

// ---- re --------------------------------------------------------------------

const RE_I: i64 = 2;
const RE_L: i64 = 4;
const RE_M: i64 = 8;
const RE_S: i64 = 16;
const RE_U: i64 = 32;
const RE_X: i64 = 64;
const RE_A: i64 = 256;

/// `re.escape`: Python 3.7's set of escaped characters.
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "()[]{}?*+-|^$\\.&~# \t\n\r\x0b\x0c".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Rewrites Python `re` syntax into `regex-lite` syntax.
fn translate_pattern(p: &str) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&n) = chars.get(i + 1) else {
                return Err("bad escape (end of pattern)".into());
            };
            match n {
                'Z' if !in_class => out.push_str(r"\z"),
                '1'..='9' if !in_class => return Err("backreferences are not supported".into()),
                _ => {
                    out.push('\\');
                    out.push(n);
                }
            }
            i += 2;
            continue;
        }
        if in_class {
            match c {
                ']' if i > class_start => in_class = false,
                '[' => {
                    out.push_str("\\[");
                    i += 1;
                    continue;
                }
                '&' | '~' if chars.get(i + 1) == Some(&c) => {
                    out.push('\\');
                }
                _ => {}
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                class_start = i;
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
                continue;
            }
            '{' => {
                let rest: String = chars[i + 1..].iter().take_while(|c| **c != '}').collect();
                let closed = chars.len() > i + 1 + rest.len();
                let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
                let valid = closed
                    && match rest.split_once(',') {
                        None => !rest.is_empty() && digits(&rest),
                        Some((a, b)) => digits(a) && digits(b) && !(a.is_empty() && b.is_empty()),
                    };
                if valid {
                    if rest.starts_with(',') {
                        out.push_str("{0");
                        out.push_str(&rest);
                        out.push('}');
                    } else {
                        out.push('{');
                        out.push_str(&rest);
                        out.push('}');
                    }
                    i += rest.chars().count() + 2;
                } else {
                    out.push_str("\\{");
                    i += 1;
                }
                continue;
            }
            '}' => {
                out.push_str("\\}");
                i += 1;
                continue;
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                let rest: String = chars[i + 2..].iter().collect();
                if rest.starts_with('#') {
                    let end = rest.find(')').ok_or("missing ), unterminated comment")?;
                    i += 2 + rest[..end].chars().count() + 1;
                    continue;
                }
                if rest.starts_with('=')
                    || rest.starts_with('!')
                    || rest.starts_with("<=")
                    || rest.starts_with("<!")
                {
                    return Err("look-around assertions are not supported".into());
                }
                if rest.starts_with("P=") || rest.starts_with('(') {
                    return Err("backreferences and conditionals are not supported".into());
                }
                // Inline flags. Python's `a` and `u` change nothing here; `L` has no equivalent.
                let flags: String = rest
                    .chars()
                    .take_while(|c| "aiLmsux-".contains(*c))
                    .collect();
                let after = rest[flags.len()..].chars().next();
                if !flags.is_empty() && matches!(after, Some(')') | Some(':')) {
                    if flags.contains('L') {
                        return Err("the LOCALE flag is not supported".into());
                    }
                    let kept: String = flags.chars().filter(|c| !matches!(c, 'a' | 'u')).collect();
                    let kept = kept.trim_end_matches('-');
                    i += 2 + flags.chars().count() + 1;
                    match (kept.is_empty(), after) {
                        (true, Some(':')) => out.push_str("(?:"),
                        (true, _) => {}
                        (false, Some(':')) => write!(out, "(?{kept}:").unwrap_or(()),
                        (false, _) => write!(out, "(?{kept})").unwrap_or(()),
                    }
                    continue;
                }
                out.push_str("(?");
                i += 2;
                continue;
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}

/// Byte ranges of the groups of one match (group 0 is the whole match).
type Spans = Vec<Option<(usize, usize)>>;

/// A compiled pattern (`re.compile`).
#[derive(Debug)]
struct Pattern {
    source: String,
    flags: i64,
    re: regex_lite::Regex,
    translated: String,
    full: OnceLock<Result<regex_lite::Regex, String>>,
    /// Group names with their numbers, in pattern order.
    names: Vec<(String, usize)>,
}

impl Pattern {
    fn compile(source: &str, flags: i64) -> Result<Pattern, Error> {
        let err = |m: String| py_err("re.error", format!("{m} in pattern {}", py_repr(source)));
        if flags & RE_L != 0 {
            return Err(err("the LOCALE flag is not supported".into()));
        }
        let translated = translate_pattern(source).map_err(err)?;
        let re = Self::build(&translated, flags).map_err(err)?;
        let names = re
            .capture_names()
            .enumerate()
            .filter_map(|(i, n)| n.map(|n| (n.to_string(), i)))
            .collect();
        Ok(Pattern {
            source: source.to_string(),
            flags,
            re,
            translated,
            full: OnceLock::new(),
            names,
        })
    }

    fn build(translated: &str, flags: i64) -> Result<regex_lite::Regex, String> {
        regex_lite::RegexBuilder::new(translated)
            .case_insensitive(flags & RE_I != 0)
            .multi_line(flags & RE_M != 0)
            .dot_matches_new_line(flags & RE_S != 0)
            .ignore_whitespace(flags & RE_X != 0)
            .build()
            .map_err(|e| {
                e.to_string()
                    .lines()
                    .last()
                    .unwrap_or("invalid pattern")
                    .trim()
                    .to_string()
            })
    }

    fn groups(&self) -> usize {
        self.re.captures_len() - 1
    }

    fn group_index(&self, name: &str) -> Option<usize> {
        self.names.iter().find(|(n, _)| n == name).map(|(_, i)| *i)
    }

    /// The match of `mode` (`search`, `match`, `fullmatch`) starting at byte `pos`.
    fn find(&self, s: &str, pos: usize, mode: &str) -> Result<Option<Spans>, Error> {
        let re = if mode == "fullmatch" {
            match self
                .full
                .get_or_init(|| Self::build(&format!("(?:{})\\z", self.translated), self.flags))
            {
                Ok(r) => r,
                Err(e) => return Err(py_err("re.error", e)),
            }
        } else {
            &self.re
        };
        let Some(caps) = re.captures_at(s, pos) else {
            return Ok(None);
        };
        let whole = caps.get(0).map(|m| (m.start(), m.end()));
        if mode != "search" && whole.map(|w| w.0) != Some(pos) {
            return Ok(None);
        }
        Ok(Some(
            (0..caps.len())
                .map(|i| caps.get(i).map(|m| (m.start(), m.end())))
                .collect(),
        ))
    }

    /// Successive non-overlapping matches, with Python's empty-match rules.
    fn find_all(&self, s: &str, limit: usize) -> Vec<Spans> {
        let mut out = Vec::new();
        let mut pos = 0;
        let mut last_empty_at: Option<usize> = None;
        while pos <= s.len() && (limit == 0 || out.len() < limit) {
            let Some(caps) = self.re.captures_at(s, pos) else {
                break;
            };
            let Some(m) = caps.get(0) else { break };
            if m.start() == m.end() && last_empty_at == Some(m.start()) {
                // No second empty match where one was just found: move one character on.
                match s[m.start()..].chars().next() {
                    Some(ch) => {
                        pos = m.start() + ch.len_utf8();
                        last_empty_at = None;
                        continue;
                    }
                    None => break,
                }
            }
            let spans = (0..caps.len())
                .map(|i| caps.get(i).map(|x| (x.start(), x.end())))
                .collect();
            out.push(spans);
            last_empty_at = (m.start() == m.end()).then_some(m.end());
            pos = m.end();
        }
        out
    }
}

fn char_index(s: &str, byte: usize) -> usize {
    s[..byte].chars().count()
}

fn byte_index(s: &str, chars: i64) -> usize {
    if chars <= 0 {
        return 0;
    }
    s.char_indices()
        .nth(chars as usize)
        .map(|(b, _)| b)
        .unwrap_or(s.len())
}

struct PatternObj(Arc<Pattern>);

impl fmt::Debug for PatternObj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (RE_I, "re.IGNORECASE"),
            (RE_L, "re.LOCALE"),
            (RE_M, "re.MULTILINE"),
            (RE_S, "re.DOTALL"),
            (RE_X, "re.VERBOSE"),
            (RE_A, "re.ASCII"),
        ];
        let flags: Vec<&str> = names
            .iter()
            .filter(|(b, _)| self.0.flags & b != 0)
            .map(|(_, n)| *n)
            .collect();
        if flags.is_empty() {
            write!(f, "re.compile({})", py_repr(&self.0.source))
        } else {
            write!(
                f,
                "re.compile({}, {})",
                py_repr(&self.0.source),
                flags.join("|")
            )
        }
    }
}

const PATTERN_METHODS: &[&str] = &[
    "match",
    "search",
    "fullmatch",
    "findall",
    "finditer",
    "sub",
    "subn",
    "split",
];

impl Object for PatternObj {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        Some(match key {
            "pattern" => Value::from(self.0.source.clone()),
            "flags" => Value::from(self.0.flags | RE_U),
            "groups" => Value::from(self.0.groups()),
            "groupindex" => MutDict::new_value(
                self.0
                    .names
                    .iter()
                    .map(|(k, v)| (Value::from(k.clone()), Value::from(*v)))
                    .collect(),
            ),
            _ => return method_value(Value::from_dyn_object(self.clone()), PATTERN_METHODS, key),
        })
    }

    fn call_method(
        self: &Arc<Self>,
        state: &mut State<'_, '_>,
        name: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        pattern_call(state, &self.0, name, args)
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

fn match_value(p: &Arc<Pattern>, s: &Arc<str>, spans: Spans, pos: usize, endpos: usize) -> Value {
    Value::from_object(MatchObj {
        pattern: p.clone(),
        string: s.clone(),
        spans,
        pos,
        endpos,
    })
}

fn pattern_call(
    state: &mut State<'_, '_>,
    p: &Arc<Pattern>,
    name: &str,
    args: &[Value],
) -> Result<Value, Error> {
    match name {
        "match" | "search" | "fullmatch" => {
            let s = bind(name, args, &["string", "pos", "endpos"])?;
            let text = str_of(required(&s, 0, name, "string")?, name)?;
            let len = text.chars().count() as i64;
            let endpos = opt_int(&s, 2, len, "endpos")?.clamp(0, len);
            let pos = opt_int(&s, 1, 0, "pos")?.clamp(0, len);
            let (bpos, bend) = (byte_index(text, pos), byte_index(text, endpos));
            if bpos > bend {
                return Ok(Value::from(()));
            }
            let hay = &text[..bend];
            let full: Arc<str> = Arc::from(text);
            Ok(match p.find(hay, bpos, name)? {
                Some(spans) => match_value(p, &full, spans, bpos, bend),
                None => Value::from(()),
            })
        }
        "findall" | "finditer" => {
            let s = bind(name, args, &["string", "pos", "endpos"])?;
            let text = str_of(required(&s, 0, name, "string")?, name)?;
            let full: Arc<str> = Arc::from(text);
            let all = p.find_all(text, 0);
            let groups = p.groups();
            let out: Vec<Value> = all
                .into_iter()
                .map(|spans| {
                    if name == "finditer" {
                        return match_value(p, &full, spans, 0, text.len());
                    }
                    let g =
                        |i: usize| Value::from(spans[i].map(|(a, b)| &text[a..b]).unwrap_or(""));
                    match groups {
                        0 => g(0),
                        1 => g(1),
                        n => tuple((1..=n).map(g).collect()),
                    }
                })
                .collect();
            Ok(Value::from(out))
        }
        "sub" | "subn" => {
            let s = bind(name, args, &["repl", "string", "count"])?;
            let repl = required(&s, 0, name, "repl")?.clone();
            let text = str_of(required(&s, 1, name, "string")?, name)?;
            let count = opt_int(&s, 2, 0, "count")?.max(0) as usize;
            let full: Arc<str> = Arc::from(text);
            let template = match repl.as_str() {
                Some(t) => Some(parse_template(t, p)?),
                None => None,
            };
            let mut out = String::new();
            let mut last = 0;
            let mut n = 0;
            for spans in p.find_all(text, count) {
                let (a, b) = spans[0].unwrap_or((0, 0));
                out.push_str(&text[last..a]);
                match &template {
                    Some(t) => expand_template(t, text, &spans, &mut out),
                    None => {
                        let m = match_value(p, &full, spans.clone(), 0, text.len());
                        let r = repl.call(state, &[m])?;
                        out.push_str(r.as_str().ok_or_else(|| {
                            type_error("expected str instance from the replacement function")
                        })?);
                    }
                }
                last = b;
                n += 1;
            }
            out.push_str(&text[last..]);
            Ok(if name == "subn" {
                tuple(vec![Value::from(out), Value::from(n)])
            } else {
                Value::from(out)
            })
        }
        "split" => {
            let s = bind(name, args, &["string", "maxsplit"])?;
            let text = str_of(required(&s, 0, name, "string")?, name)?;
            let maxsplit = opt_int(&s, 1, 0, "maxsplit")?;
            if maxsplit < 0 {
                return Ok(Value::from(vec![Value::from(text)]));
            }
            let mut out = Vec::new();
            let mut last = 0;
            for spans in p.find_all(text, maxsplit as usize) {
                let (a, b) = spans[0].unwrap_or((0, 0));
                out.push(Value::from(&text[last..a]));
                for g in spans.iter().skip(1) {
                    out.push(
                        g.map(|(x, y)| Value::from(&text[x..y]))
                            .unwrap_or(Value::from(())),
                    );
                }
                last = b;
            }
            out.push(Value::from(&text[last..]));
            Ok(Value::from(out))
        }
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

enum TemplatePart {
    Literal(String),
    Group(usize),
}

/// Python's replacement template: `\1`, `\g<1>`, `\g<name>` and the usual escapes.
fn parse_template(t: &str, p: &Pattern) -> Result<Vec<TemplatePart>, Error> {
    let err = |m: String| py_err("re.error", m);
    let mut parts = Vec::new();
    let mut lit = String::new();
    let chars: Vec<char> = t.chars().collect();
    let mut i = 0;
    let group = |n: usize, parts: &mut Vec<TemplatePart>, lit: &mut String| -> Result<(), Error> {
        if n > p.groups() {
            return Err(err(format!("invalid group reference {n}")));
        }
        if !lit.is_empty() {
            parts.push(TemplatePart::Literal(std::mem::take(lit)));
        }
        parts.push(TemplatePart::Group(n));
        Ok(())
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' {
            lit.push(c);
            i += 1;
            continue;
        }
        let Some(&n) = chars.get(i + 1) else {
            return Err(err("bad escape (end of pattern)".into()));
        };
        i += 2;
        match n {
            'g' => {
                if chars.get(i) != Some(&'<') {
                    return Err(err("missing <".into()));
                }
                let name: String = chars[i + 1..].iter().take_while(|c| **c != '>').collect();
                if chars.get(i + 1 + name.chars().count()) != Some(&'>') {
                    return Err(err("missing >, unterminated name".into()));
                }
                i += name.chars().count() + 2;
                let idx = match name.parse::<usize>() {
                    Ok(n) => n,
                    Err(_) => p.group_index(&name).ok_or_else(|| {
                        py_err("IndexError", format!("unknown group name '{name}'"))
                    })?,
                };
                group(idx, &mut parts, &mut lit)?;
            }
            '0' => {
                let digits: String = chars[i..]
                    .iter()
                    .take(2)
                    .take_while(|c| ('0'..='7').contains(*c))
                    .collect();
                i += digits.chars().count();
                lit.push(
                    char::from_u32(u32::from_str_radix(&format!("0{digits}"), 8).unwrap_or(0))
                        .unwrap_or('\0'),
                );
            }
            '1'..='9' => {
                let mut num = n.to_digit(10).unwrap_or(0) as usize;
                if let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                    num = num * 10 + d as usize;
                    i += 1;
                }
                group(num, &mut parts, &mut lit)?;
            }
            'n' => lit.push('\n'),
            't' => lit.push('\t'),
            'r' => lit.push('\r'),
            'f' => lit.push('\x0c'),
            'v' => lit.push('\x0b'),
            'a' => lit.push('\x07'),
            'b' => lit.push('\x08'),
            '\\' => lit.push('\\'),
            c if c.is_ascii_alphabetic() => return Err(err(format!("bad escape \\{c}"))),
            c => {
                lit.push('\\');
                lit.push(c);
            }
        }
    }
    if !lit.is_empty() {
        parts.push(TemplatePart::Literal(lit));
    }
    Ok(parts)
}

fn expand_template(
    parts: &[TemplatePart],
    text: &str,
    spans: &[Option<(usize, usize)>],
    out: &mut String,
) {
    for part in parts {
        match part {
            TemplatePart::Literal(s) => out.push_str(s),
            TemplatePart::Group(g) => {
                if let Some(Some((a, b))) = spans.get(*g) {
                    out.push_str(&text[*a..*b]);
                }
            }
        }
    }
}

/// A match (`re.Match`): groups by number or name, spans in characters.
struct MatchObj {
    pattern: Arc<Pattern>,
    string: Arc<str>,
    spans: Spans,
    pos: usize,
    endpos: usize,
}

impl fmt::Debug for MatchObj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = self.span(0);
        let m = self.group(0);
        write!(
            f,
            "<re.Match object; span=({a}, {b}), match={}>",
            py_repr(m.as_str().unwrap_or(""))
        )
    }
}

const MATCH_METHODS: &[&str] = &[
    "group",
    "groups",
    "groupdict",
    "start",
    "end",
    "span",
    "expand",
];

impl MatchObj {
    fn index(&self, g: &Value) -> Result<usize, Error> {
        let idx = match g.as_str() {
            Some(name) => self.pattern.group_index(name),
            None => g.as_i64().and_then(|i| usize::try_from(i).ok()),
        };
        idx.filter(|i| *i < self.spans.len())
            .ok_or_else(|| py_err("IndexError", "no such group"))
    }

    fn group(&self, i: usize) -> Value {
        self.spans[i]
            .map(|(a, b)| Value::from(&self.string[a..b]))
            .unwrap_or(Value::from(()))
    }

    fn span(&self, i: usize) -> (i64, i64) {
        match self.spans[i] {
            Some((a, b)) => (
                char_index(&self.string, a) as i64,
                char_index(&self.string, b) as i64,
            ),
            None => (-1, -1),
        }
    }
}

impl Object for MatchObj {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        if let Some(i) = key.as_i64() {
            return usize::try_from(i)
                .ok()
                .filter(|i| *i < self.spans.len())
                .map(|i| self.group(i));
        }
        let key = key.as_str()?;
        Some(match key {
            "string" => Value::from(self.string.to_string()),
            "re" => Value::from_object(PatternObj(self.pattern.clone())),
            "pos" => Value::from(char_index(&self.string, self.pos)),
            "endpos" => Value::from(char_index(&self.string, self.endpos)),
            "lastindex" => (1..self.spans.len())
                .filter(|i| self.spans[*i].is_some())
                .max_by_key(|i| self.spans[*i].map(|s| s.1))
                .map(Value::from)
                .unwrap_or(Value::from(())),
            "lastgroup" => Value::from(()),
            _ => {
                if self.pattern.group_index(key).is_some() {
                    return None;
                }
                return method_value(Value::from_dyn_object(self.clone()), MATCH_METHODS, key);
            }
        })
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        name: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let (pos, kw) = split_kwargs(args)?;
        let default = kw
            .iter()
            .find(|(k, _)| k == "default")
            .map(|(_, v)| v.clone())
            .or_else(|| pos.first().cloned());
        match name {
            "group" => match pos {
                [] => Ok(self.group(0)),
                [g] => Ok(self.group(self.index(g)?)),
                many => Ok(tuple(
                    many.iter()
                        .map(|g| self.index(g).map(|i| self.group(i)))
                        .collect::<Result<_, _>>()?,
                )),
            },
            "groups" => {
                let d = default.unwrap_or(Value::from(()));
                Ok(tuple(
                    (1..self.spans.len())
                        .map(|i| {
                            if self.spans[i].is_some() {
                                self.group(i)
                            } else {
                                d.clone()
                            }
                        })
                        .collect(),
                ))
            }
            "groupdict" => {
                let d = default.unwrap_or(Value::from(()));
                Ok(MutDict::new_value(
                    self.pattern
                        .names
                        .iter()
                        .map(|(k, i)| {
                            (
                                Value::from(k.clone()),
                                if self.spans[*i].is_some() {
                                    self.group(*i)
                                } else {
                                    d.clone()
                                },
                            )
                        })
                        .collect(),
                ))
            }
            "start" | "end" | "span" => {
                let i = match pos.first() {
                    Some(g) => self.index(g)?,
                    None => 0,
                };
                let (a, b) = self.span(i);
                Ok(match name {
                    "start" => Value::from(a),
                    "end" => Value::from(b),
                    _ => tuple(vec![Value::from(a), Value::from(b)]),
                })
            }
            "expand" => {
                let t = str_of(
                    pos.first()
                        .ok_or_else(|| type_error("expand() missing template"))?,
                    "expand",
                )?;
                let parts = parse_template(t, &self.pattern)?;
                let mut out = String::new();
                expand_template(&parts, &self.string, &self.spans, &mut out);
                Ok(Value::from(out))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

#[derive(Debug)]
struct ReModule;

const RE_FUNCTIONS: &[&str] = &[
    "compile",
    "match",
    "search",
    "fullmatch",
    "findall",
    "finditer",
    "sub",
    "subn",
    "split",
    "escape",
    "purge",
];

fn compile_arg(v: &Value, flags: i64) -> Result<Arc<Pattern>, Error> {
    if let Some(p) = v.downcast_object_ref::<PatternObj>() {
        if flags != 0 {
            return Err(value_error(
                "cannot process flags argument with a compiled pattern",
            ));
        }
        return Ok(p.0.clone());
    }
    Ok(Arc::new(Pattern::compile(
        str_of(v, "first argument must be string or compiled pattern")?,
        flags,
    )?))
}

impl Object for ReModule {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        let flag = match key {
            "I" | "IGNORECASE" => Some(RE_I),
            "L" | "LOCALE" => Some(RE_L),
            "M" | "MULTILINE" => Some(RE_M),
            "S" | "DOTALL" => Some(RE_S),
            "U" | "UNICODE" => Some(RE_U),
            "X" | "VERBOSE" => Some(RE_X),
            "A" | "ASCII" => Some(RE_A),
            "NOFLAG" => Some(0),
            _ => None,
        };
        if let Some(f) = flag {
            return Some(Value::from(f));
        }
        method_value(Value::from_dyn_object(self.clone()), RE_FUNCTIONS, key)
    }

    fn call_method(
        self: &Arc<Self>,
        state: &mut State<'_, '_>,
        name: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let (names, pattern_method): (&[&str], Option<&str>) = match name {
            "compile" => (&["pattern", "flags"], None),
            "match" | "search" | "fullmatch" | "findall" | "finditer" => {
                (&["pattern", "string", "flags"], Some(name))
            }
            "sub" | "subn" => (&["pattern", "repl", "string", "count", "flags"], Some(name)),
            "split" => (&["pattern", "string", "maxsplit", "flags"], Some(name)),
            "escape" => {
                let s = bind(name, args, &["pattern"])?;
                return Ok(Value::from(regex_escape(str_of(
                    required(&s, 0, name, "pattern")?,
                    "escape",
                )?)));
            }
            "purge" => return Ok(Value::from(())),
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        };
        let s = bind(name, args, names)?;
        let flags_at = names.len() - 1;
        let flags = opt_int(&s, flags_at, 0, "flags")?;
        let p = compile_arg(required(&s, 0, name, "pattern")?, flags)?;
        let Some(method) = pattern_method else {
            return Ok(Value::from_object(PatternObj(p)));
        };
        let kwargs: Kwargs = s[1..flags_at]
            .iter()
            .zip(&names[1..flags_at])
            .filter_map(|(v, n)| v.clone().map(|v| (*n, v)))
            .collect();
        pattern_call(state, &p, method, &[Value::from(kwargs)])
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<module 're'>")
    }
}

// ---- itertools -------------------------------------------------------------

#[derive(Debug)]
struct Itertools;

/// What dbt exports from `itertools` (not `groupby`, `takewhile`, `dropwhile`
/// or `filterfalse`). Results are lists rather than iterators; `count` and
/// `cycle` stay lazy so that `islice` can take from them.
const ITERTOOLS_FUNCTIONS: &[&str] = &[
    "count",
    "cycle",
    "repeat",
    "accumulate",
    "chain",
    "compress",
    "islice",
    "starmap",
    "tee",
    "zip_longest",
    "product",
    "permutations",
    "combinations",
    "combinations_with_replacement",
];

/// `itertools.count()` and `itertools.cycle()`: endless, so capped at [`MAX_ITEMS`].
#[derive(Debug)]
enum Endless {
    Count(Num, Num),
    Cycle(Vec<Value>),
}

impl Object for Endless {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Iterable
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match &**self {
            Endless::Count(start, step) => {
                let (start, step) = (*start, *step);
                Enumerator::Iter(Box::new((0..MAX_ITEMS).map(move |i| match (start, step) {
                    (Num::Int(a), Num::Int(b)) => Value::from(a + b * i as i128),
                    (a, b) => Value::from(a.as_f64() + b.as_f64() * i as f64),
                })))
            }
            Endless::Cycle(items) if items.is_empty() => Enumerator::Empty,
            Endless::Cycle(items) => {
                let items = items.clone();
                Enumerator::Iter(Box::new(
                    (0..MAX_ITEMS).map(move |i| items[i % items.len()].clone()),
                ))
            }
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &**self {
            Endless::Count(start, _) => write!(f, "count({})", start.as_value()),
            Endless::Cycle(_) => f.write_str("<itertools.cycle object>"),
        }
    }
}

fn combos(pool: &[Value], r: usize, with_replacement: bool) -> Vec<Value> {
    let n = pool.len();
    let mut out = Vec::new();
    if (!with_replacement && r > n) || (n == 0 && r > 0) {
        return out;
    }
    let mut idx: Vec<usize> = if with_replacement {
        vec![0; r]
    } else {
        (0..r).collect()
    };
    loop {
        out.push(tuple(idx.iter().map(|&i| pool[i].clone()).collect()));
        // Find the rightmost index that can still move.
        let mut i = r;
        loop {
            if i == 0 {
                return out;
            }
            i -= 1;
            let limit = if with_replacement { n - 1 } else { i + n - r };
            if idx[i] != limit {
                break;
            }
        }
        idx[i] += 1;
        for j in i + 1..r {
            idx[j] = if with_replacement {
                idx[i]
            } else {
                idx[j - 1] + 1
            };
        }
    }
}

fn permutations(pool: &[Value], r: usize) -> Vec<Value> {
    fn rec(
        pool: &[Value],
        r: usize,
        used: &mut Vec<bool>,
        cur: &mut Vec<Value>,
        out: &mut Vec<Value>,
    ) {
        if cur.len() == r {
            out.push(tuple(cur.clone()));
            return;
        }
        for i in 0..pool.len() {
            if !used[i] {
                used[i] = true;
                cur.push(pool[i].clone());
                rec(pool, r, used, cur, out);
                cur.pop();
                used[i] = false;
            }
        }
    }
    let mut out = Vec::new();
    if r <= pool.len() {
        rec(
            pool,
            r,
            &mut vec![false; pool.len()],
            &mut Vec::new(),
            &mut out,
        );
    }
    out
}

/// Results are lists; this bounds what `product` and friends may build.
const MAX_ITEMS: usize = 1_000_000;

impl Object for Itertools {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        method_value(
            Value::from_dyn_object(self.clone()),
            ITERTOOLS_FUNCTIONS,
            key.as_str()?,
        )
    }

    fn call_method(
        self: &Arc<Self>,
        state: &mut State<'_, '_>,
        name: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let too_many = || {
            value_error(format!(
                "itertools.{name}() would yield more than {MAX_ITEMS} items"
            ))
        };
        match name {
            "chain" => {
                let (pos, _) = split_kwargs(args)?;
                let mut out = Vec::new();
                for a in pos {
                    out.extend(items_of(a)?);
                    if out.len() > MAX_ITEMS {
                        return Err(too_many());
                    }
                }
                Ok(Value::from(out))
            }
            "count" => {
                let s = bind(name, args, &["start", "step"])?;
                let n = |i: usize, d: i128| -> Result<Num, Error> {
                    match &s[i] {
                        Some(v) => num_of(v).ok_or_else(|| type_error("a number is required")),
                        None => Ok(Num::Int(d)),
                    }
                };
                Ok(Value::from_object(Endless::Count(n(0, 0)?, n(1, 1)?)))
            }
            "cycle" => {
                let s = bind(name, args, &["iterable"])?;
                Ok(Value::from_object(Endless::Cycle(items_of(required(
                    &s, 0, name, "iterable",
                )?)?)))
            }
            "product" => {
                let (pos, kw) = split_kwargs(args)?;
                let repeat = match kw.iter().find(|(k, _)| k == "repeat") {
                    Some((_, v)) => int_of(v, "repeat")?.max(0) as usize,
                    None => 1,
                };
                let pools: Vec<Vec<Value>> = pos.iter().map(items_of).collect::<Result<_, _>>()?;
                let pools: Vec<&Vec<Value>> = (0..repeat).flat_map(|_| pools.iter()).collect();
                let mut acc: Vec<Vec<Value>> = vec![Vec::new()];
                for pool in pools {
                    if acc.len().saturating_mul(pool.len()) > MAX_ITEMS {
                        return Err(too_many());
                    }
                    acc = acc
                        .iter()
                        .flat_map(|prefix| {
                            pool.iter().map(move |x| {
                                let mut v = prefix.clone();
                                v.push(x.clone());
                                v
                            })
                        })
                        .collect();
                }
                Ok(Value::from(acc.into_iter().map(tuple).collect::<Vec<_>>()))
            }
            "combinations" | "combinations_with_replacement" => {
                let s = bind(name, args, &["iterable", "r"])?;
                let pool = items_of(required(&s, 0, name, "iterable")?)?;
                let r = int_of(required(&s, 1, name, "r")?, "r")?;
                if r < 0 {
                    return Err(value_error("r must be non-negative"));
                }
                let out = combos(&pool, r as usize, name != "combinations");
                Ok(Value::from(out))
            }
            "permutations" => {
                let s = bind(name, args, &["iterable", "r"])?;
                let pool = items_of(required(&s, 0, name, "iterable")?)?;
                let r = match &s[1] {
                    Some(v) if !v.is_none() => int_of(v, "r")?,
                    _ => pool.len() as i64,
                };
                if r < 0 {
                    return Err(value_error("r must be non-negative"));
                }
                if pool.len() > 10 {
                    return Err(too_many());
                }
                Ok(Value::from(permutations(&pool, r as usize)))
            }
            "islice" => {
                let (pos, _) = split_kwargs(args)?;
                let source = pos
                    .first()
                    .ok_or_else(|| type_error("islice expected at least 2 arguments"))?;
                let opt = |v: Option<&Value>| -> Result<Option<usize>, Error> {
                    match v {
                        None => Ok(None),
                        Some(v) if v.is_none() => Ok(None),
                        Some(v) => usize::try_from(int_of(v, "islice")?).map(Some).map_err(|_| {
                            value_error("Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.")
                        }),
                    }
                };
                let (start, stop, step) = match pos.len() {
                    2 => (0, opt(pos.get(1))?, 1),
                    3 | 4 => (
                        opt(pos.get(1))?.unwrap_or(0),
                        opt(pos.get(2))?,
                        opt(pos.get(3))?.unwrap_or(1),
                    ),
                    _ => return Err(type_error("islice expected 2 to 4 arguments")),
                };
                if step == 0 {
                    return Err(value_error(
                        "Step for islice() must be a positive integer or None.",
                    ));
                }
                let stop = stop
                    .unwrap_or(usize::MAX)
                    .min(start.saturating_add(MAX_ITEMS));
                let out: Vec<Value> = source
                    .try_iter()?
                    .take(stop)
                    .skip(start)
                    .step_by(step)
                    .collect();
                Ok(Value::from(out))
            }
            "zip_longest" => {
                let (pos, kw) = split_kwargs(args)?;
                let fill = kw
                    .into_iter()
                    .find(|(k, _)| k == "fillvalue")
                    .map(|(_, v)| v)
                    .unwrap_or(Value::from(()));
                let lists: Vec<Vec<Value>> = pos.iter().map(items_of).collect::<Result<_, _>>()?;
                let n = lists.iter().map(Vec::len).max().unwrap_or(0);
                Ok(Value::from(
                    (0..n)
                        .map(|i| {
                            tuple(
                                lists
                                    .iter()
                                    .map(|l| l.get(i).cloned().unwrap_or_else(|| fill.clone()))
                                    .collect(),
                            )
                        })
                        .collect::<Vec<_>>(),
                ))
            }
            "repeat" => {
                let s = bind(name, args, &["object", "times"])?;
                let obj = required(&s, 0, name, "object")?.clone();
                let times = match &s[1] {
                    Some(v) => int_of(v, "times")?.max(0) as usize,
                    None => {
                        return Err(value_error("itertools.repeat() without `times` never ends"))
                    }
                };
                if times > MAX_ITEMS {
                    return Err(too_many());
                }
                Ok(Value::from(vec![obj; times]))
            }
            "compress" => {
                let s = bind(name, args, &["data", "selectors"])?;
                let data = items_of(required(&s, 0, name, "data")?)?;
                let sel = items_of(required(&s, 1, name, "selectors")?)?;
                Ok(Value::from(
                    data.into_iter()
                        .zip(sel)
                        .filter(|(_, s)| s.is_true())
                        .map(|(d, _)| d)
                        .collect::<Vec<_>>(),
                ))
            }
            "starmap" => {
                let s = bind(name, args, &["function", "iterable"])?;
                let f = required(&s, 0, name, "function")?.clone();
                let mut out = Vec::new();
                for it in items_of(required(&s, 1, name, "iterable")?)? {
                    out.push(f.call(state, &items_of(&it)?)?);
                }
                Ok(Value::from(out))
            }
            "accumulate" => {
                let s = bind(name, args, &["iterable", "func", "initial"])?;
                let items = items_of(required(&s, 0, name, "iterable")?)?;
                let func = s[1].clone().filter(|f| !f.is_none());
                let mut out = Vec::new();
                let mut acc = s[2].clone().filter(|v| !v.is_none());
                if let Some(a) = &acc {
                    out.push(a.clone());
                }
                for it in items {
                    let next = match (&acc, &func) {
                        (None, _) => it,
                        (Some(a), Some(f)) => f.call(state, &[a.clone(), it])?,
                        (Some(a), None) => match (num_of(a), num_of(&it)) {
                            (Some(Num::Int(x)), Some(Num::Int(y))) => Value::from(x + y),
                            (Some(Num::Int(x)), Some(Num::Float(y))) => Value::from(x as f64 + y),
                            (Some(Num::Float(x)), Some(Num::Int(y))) => Value::from(x + y as f64),
                            (Some(Num::Float(x)), Some(Num::Float(y))) => Value::from(x + y),
                            _ => match (a.as_str(), it.as_str()) {
                                (Some(x), Some(y)) => Value::from(format!("{x}{y}")),
                                _ => {
                                    return Err(type_error(
                                        "accumulate() without func adds numbers or strings",
                                    ))
                                }
                            },
                        },
                    };
                    out.push(next.clone());
                    acc = Some(next);
                }
                Ok(Value::from(out))
            }
            "tee" => {
                let s = bind(name, args, &["iterable", "n"])?;
                let items = items_of(required(&s, 0, name, "iterable")?)?;
                let n = opt_int(&s, 1, 2, "n")?.max(0) as usize;
                Ok(tuple(vec![Value::from(items); n]))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<module 'itertools'>")
    }
}

#[cfg(test)]
mod tests {
    //! Templates rendered through the whole pipeline; the expected output of
    //! the `DBT_CASES` table is what dbt-core 1.11.16 compiled from the same
    //! models (target duckdb, `TZ=UTC`).

    use super::*;
    use std::collections::BTreeMap;

    fn compile_models(
        models: &[(&str, &str)],
        run_started_at: Option<&str>,
    ) -> (BTreeMap<String, String>, Vec<String>) {
        crate::test_support::compile_models(models, &[], |input| {
            if let Some(at) = run_started_at {
                input.invocation.run_started_at = at.to_string();
            }
        })
    }

    fn render(template: &str) -> Result<String, String> {
        let (out, errors) = compile_models(&[("m", template)], None);
        match out.get("m") {
            Some(sql) => Ok(sql.clone()),
            None => Err(errors.join("\n")),
        }
    }

    fn check(cases: &[(&str, &str, &str)]) {
        crate::test_support::check_models(cases, &[], |_| {});
    }

    /// Model, template, and what dbt-core 1.11.16 compiles it to.
    const DBT_CASES: &[(&str, &str, &str)] = &[
        (
            "dt_date",
            r#"select '{{ modules.datetime.date(2024, 2, 29) }}', '{{ modules.datetime.date(2024, 2, 29).strftime("%Y/%m/%d %a %A %b %B %j %U %W %w %u %y %e %-d %-m") }}', {{ modules.datetime.date(2024, 2, 29).weekday() }}, '{{ modules.datetime.date(2024, 2, 29).isocalendar() }}', '{{ modules.datetime.date(2024, 2, 29).replace(year=2023, day=28) }}'"#,
            r#"select '2024-02-29', '2024/02/29 Thu Thursday Feb February 060 08 09 4 4 24 29 29 2', 3, 'datetime.IsoCalendarDate(year=2024, week=9, weekday=4)', '2023-02-28'"#,
        ),
        (
            "dt_datetime",
            r#"{% set t = modules.datetime.datetime(1997, 9, 29, 6, 14, 5, 1234) %}select '{{ t }}', '{{ t.isoformat() }}', '{{ t.isoformat(timespec="seconds") }}', '{{ t.strftime("%Y-%m-%d %H:%M:%S.%f %I %p %c|%x|%X") }}', '{{ t.date() }}', '{{ t.time() }}', {{ t.hour }}, {{ t.microsecond }}"#,
            r#"select '1997-09-29 06:14:05.001234', '1997-09-29T06:14:05.001234', '1997-09-29T06:14:05', '1997-09-29 06:14:05.001234 06 AM Mon Sep 29 06:14:05 1997|09/29/97|06:14:05', '1997-09-29', '06:14:05.001234', 6, 1234"#,
        ),
        (
            "dt_strptime",
            r#"select '{{ modules.datetime.datetime.strptime("2021-03-04 05:06:07", "%Y-%m-%d %H:%M:%S") }}', '{{ modules.datetime.datetime.strptime("4 March 21 5pm", "%d %B %y %I%p") }}', '{{ modules.datetime.datetime.strptime("2021-03-04T05:06:07.5+0130", "%Y-%m-%dT%H:%M:%S.%f%z") }}'"#,
            r#"select '2021-03-04 05:06:07', '2021-03-04 17:00:00', '2021-03-04 05:06:07.500000+01:30'"#,
        ),
        (
            "dt_fromisoformat",
            r#"select '{{ modules.datetime.datetime.fromisoformat("2021-03-04 05:06:07.123+02:00") }}', '{{ modules.datetime.date.fromisoformat("2021-03-04") }}'"#,
            r#"select '2021-03-04 05:06:07.123000+02:00', '2021-03-04'"#,
        ),
        (
            "dt_timedelta",
            r#"select '{{ modules.datetime.timedelta(days=1, hours=2, minutes=3, seconds=4) }}', '{{ modules.datetime.timedelta(seconds=-1) }}', '{{ modules.datetime.timedelta(weeks=2, milliseconds=5) }}', '{{ modules.datetime.timedelta(hours=1.5) }}', {{ modules.datetime.timedelta(hours=36).seconds }}, {{ modules.datetime.timedelta(hours=36).total_seconds() }}"#,
            r#"select '1 day, 2:03:04', '-1 day, 23:59:59', '14 days, 0:00:00.005000', '1:30:00', 43200, 129600.0"#,
        ),
        (
            "dt_compare",
            r#"select {{ modules.datetime.date(2020, 1, 1) < modules.datetime.date(2020, 1, 2) }}, {{ modules.datetime.datetime(2020, 1, 1) > modules.datetime.datetime(2019, 12, 31, 23) }}"#,
            r#"select True, True"#,
        ),
        (
            "dt_pytz",
            r#"{% set utc = modules.pytz.utc %}select '{{ modules.datetime.datetime(2020, 1, 1, 12, tzinfo=utc) }}', '{{ modules.datetime.datetime(2020, 1, 1, 12, tzinfo=modules.pytz.timezone("UTC")).isoformat() }}', '{{ modules.datetime.datetime(2020, 1, 1, 12, tzinfo=utc).strftime("%z %Z") }}', '{{ utc }}', '{{ modules.datetime.datetime(2020, 1, 1, 12, tzinfo=utc).astimezone(modules.pytz.timezone("Etc/GMT-3")) }}'"#,
            r#"select '2020-01-01 12:00:00+00:00', '2020-01-01T12:00:00+00:00', '+0000 UTC', 'UTC', '2020-01-01 15:00:00+03:00'"#,
        ),
        (
            "re_match",
            r#"{% set m = modules.re.match("(\w+)-(\d+)", "abc-123 rest") %}select '{{ m.group(0) }}', '{{ m.group(2) }}', '{{ m.groups() }}', {{ m.start() }}, {{ m.end(2) }}, '{{ m.span(1) }}', '{{ modules.re.match("x", "abc") }}'"#,
            r#"select 'abc-123', '123', '('abc', '123')', 0, 7, '(0, 3)', 'None'"#,
        ),
        (
            "re_search",
            r#"select '{{ modules.re.search("b+", "abbbc").group() }}', {{ modules.re.fullmatch("a.c", "abcd") is none }}, '{{ modules.re.search("^b", "a\nb", modules.re.MULTILINE).group() }}', {{ modules.re.match("ABC", "abc", flags=modules.re.I) is not none }}"#,
            r#"select 'bbb', True, 'b', True"#,
        ),
        (
            "re_findall",
            r#"select '{{ modules.re.findall("\d+", "a1b22c333") }}', '{{ modules.re.findall("(\w)(\d)", "a1b2") }}', '{{ modules.re.findall("{x}", "{x}") }}'"#,
            r#"select '['1', '22', '333']', '[('a', '1'), ('b', '2')]', '['{x}']'"#,
        ),
        (
            "re_sub",
            r#"select '{{ modules.re.sub("[ -]+", "_", "Hello world - again") }}', '{{ modules.re.sub("(\w+)@(\w+)", "\\2 at \\1", "me@host") }}', '{{ modules.re.sub("(?P<u>\w+)@", "\g<u>#", "me@host") }}', '{{ modules.re.sub("x*", "-", "abxd") }}', '{{ modules.re.sub("a", "b", "aaaa", count=2) }}'"#,
            r#"select 'Hello_world_again', 'host at me', 'me#host', '-a-b--d-', 'bbaa'"#,
        ),
        (
            "re_split_escape",
            r#"select '{{ modules.re.split(",\s*", "a, b,c") }}', '{{ modules.re.split("(,)", "a,b") }}', '{{ modules.re.escape("a.b*c (d)") }}'"#,
            r#"select '['a', 'b', 'c']', '['a', ',', 'b']', 'a\.b\*c\ \(d\)'"#,
        ),
        (
            "re_compile",
            r#"{% set p = modules.re.compile("(?P<key>[a-z]+)=(?P<val>\d*)", modules.re.IGNORECASE) %}select '{{ p.pattern }}', '{{ p.match("Key=12").group("val") }}', '{{ p.match("KEY=").groupdict() }}', {{ p.groups }}, '{{ modules.re.search("é(.)", "café!").span() }}'"#,
            r#"select '(?P<key>[a-z]+)=(?P<val>\d*)', '12', '{'key': 'KEY', 'val': ''}', 2, '(3, 5)'"#,
        ),
        (
            "it_basic",
            r#"{% set it = modules.itertools %}select '{{ it.chain([1, 2], [3], "ab") | list }}', '{{ it.product([1, 2], ["a", "b"]) | list }}', '{{ it.product("ab", repeat=2) | list }}', '{{ it.combinations([1, 2, 3], 2) | list }}', '{{ it.combinations_with_replacement("ab", 2) | list }}', '{{ it.permutations([1, 2, 3], 2) | list }}'"#,
            r#"select '[1, 2, 3, 'a', 'b']', '[(1, 'a'), (1, 'b'), (2, 'a'), (2, 'b')]', '[('a', 'a'), ('a', 'b'), ('b', 'a'), ('b', 'b')]', '[(1, 2), (1, 3), (2, 3)]', '[('a', 'a'), ('a', 'b'), ('b', 'b')]', '[(1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2)]'"#,
        ),
        (
            "it_more",
            r#"{% set it = modules.itertools %}select '{{ it.islice([1, 2, 3, 4, 5], 1, 5, 2) | list }}', '{{ it.islice(it.count(5), 3) | list }}', '{{ it.islice(it.cycle("ab"), 5) | list }}', '{{ it.zip_longest([1, 2], ["a"], fillvalue="-") | list }}', '{{ it.repeat("x", 3) | list }}', '{{ it.compress("abcd", [1, 0, 1, 0]) | list }}', '{{ it.accumulate([1, 2, 3]) | list }}', '{{ it.groupby }}'"#,
            r#"select '[2, 4]', '[5, 6, 7]', '['a', 'b', 'a', 'b', 'a']', '[(1, 'a'), (2, '-')]', '['x', 'x', 'x']', '['a', 'c']', '[1, 3, 6]', ''"#,
        ),
    ];

    #[test]
    fn renders_as_dbt_does() {
        check(DBT_CASES);
    }

    #[test]
    fn now_is_the_invocation_start() {
        let (out, errors) = compile_models(
            &[(
                "m",
                "{{ modules.datetime.datetime.now() }}|{{ modules.datetime.datetime.utcnow().isoformat() }}|\
                 {{ modules.datetime.date.today() }}|{{ modules.datetime.datetime.now(modules.pytz.utc) }}|\
                 {{ modules.datetime.datetime.now(modules.pytz.timezone('Etc/GMT+2')) }}|{{ dbt.py_current_timestring() }}",
            )],
            Some("2024-05-06T07:08:09.123456+00:00"),
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            out["m"],
            "2024-05-06 07:08:09.123456|2024-05-06T07:08:09.123456|2024-05-06|\
             2024-05-06 07:08:09.123456+00:00|2024-05-06 05:08:09.123456-02:00|20240506070809123456"
        );
        let start = run_started_at(&Invocation {
            run_started_at: "2024-05-06T09:08:09+02:00".into(),
            ..Invocation::default()
        });
        assert_eq!(start.to_string(), "2024-05-06 07:08:09+00:00");
    }

    #[test]
    fn arithmetic_follows_python() {
        let dt = |y, m, d| {
            Temporal::DateTime(Date::new(y, m, d).unwrap(), Clock::default(), None).into_value()
        };
        let td = |us: i128| Temporal::Delta(us).into_value();
        let day = US_PER_DAY;
        let r =
            |v: Option<Result<Value, Error>>| v.expect("temporal").expect("no error").to_string();
        assert_eq!(
            r(binary_op("-", &dt(2020, 3, 1), &dt(2020, 2, 1))),
            "29 days, 0:00:00"
        );
        assert_eq!(
            r(binary_op("+", &td(day / 2), &dt(2020, 2, 28))),
            "2020-02-28 12:00:00"
        );
        assert_eq!(
            r(binary_op("-", &dt(2020, 1, 1), &td(1))),
            "2019-12-31 23:59:59.999999"
        );
        let date = Temporal::Date(Date::new(2020, 1, 31).unwrap()).into_value();
        assert_eq!(r(binary_op("+", &date, &td(day + day / 2))), "2020-02-01");
        assert_eq!(
            r(binary_op("*", &td(day), &Value::from(3))),
            "3 days, 0:00:00"
        );
        assert_eq!(r(binary_op("/", &td(day), &Value::from(4))), "6:00:00");
        assert_eq!(r(binary_op("//", &td(3 * day), &td(day))), "3");
        assert!(binary_op("+", &Value::from(1), &Value::from(2)).is_none());
        let aware = Temporal::DateTime(
            Date::new(2020, 1, 1).unwrap(),
            Clock::default(),
            Some(Tz::pytz_utc()),
        )
        .into_value();
        assert!(binary_op("-", &aware, &dt(2020, 1, 1)).unwrap().is_err());
    }

    #[test]
    fn python_patterns_are_translated() {
        assert_eq!(translate_pattern(r"a\Z").unwrap(), r"a\z");
        assert_eq!(translate_pattern("{x}").unwrap(), r"\{x\}");
        assert_eq!(
            translate_pattern("a{,3}b{2}c{1,}").unwrap(),
            "a{0,3}b{2}c{1,}"
        );
        assert_eq!(translate_pattern("[[a]").unwrap(), r"[\[a]");
        assert_eq!(
            translate_pattern("(?#note)x(?i:y)(?a)z").unwrap(),
            "x(?i:y)z"
        );
        assert!(translate_pattern("(?=x)")
            .unwrap_err()
            .contains("look-around"));
        assert!(translate_pattern(r"(a)\1")
            .unwrap_err()
            .contains("backreferences"));
    }

    #[test]
    fn unsupported_things_fail_clearly() {
        let err = render("{{ modules.re.match('^(?!x)', 'y') }}").unwrap_err();
        assert!(
            err.contains("look-around assertions are not supported"),
            "{err}"
        );
        let err = render("{{ modules.pytz.timezone('America/New_York') }}").unwrap_err();
        assert!(err.contains("UnknownTimeZoneError"), "{err}");
        let err = render("{{ modules.datetime.date(2023, 2, 29) }}").unwrap_err();
        assert!(err.contains("day is out of range for month"), "{err}");
        let err =
            render("{{ modules.datetime.datetime.strptime('2023-02', '%Y-%m-%d') }}").unwrap_err();
        assert!(err.contains("does not match format"), "{err}");
    }

    #[test]
    fn only_what_dbt_exports_is_there() {
        assert_eq!(
            render("[{{ modules.datetime.timezone }}][{{ modules.itertools.groupby }}][{{ modules.pytz.UTC }}][{{ modules.re.DEBUG }}]").unwrap(),
            "[][][][]"
        );
    }

    #[test]
    fn repl_functions_and_method_values() {
        assert_eq!(
            render("{% macro up(m) %}{{ m.group(1) | upper }}{% endmacro %}{{ modules.re.sub('-(\\w)', up, 'a-b-c') }}").unwrap(),
            "aBC"
        );
        assert_eq!(
            render("{% set f = modules.datetime.datetime.strptime %}{{ f('2020', '%Y').year }}")
                .unwrap(),
            "2020"
        );
    }
}
