//! `RegionCode` (GB/T 2260, six digits) and `Jurisdiction` (a 2-, 4- or 6-digit prefix).
use crate::ascii::Ascii;
use crate::error::{ErrorCode, ValidationError};

/// The 34 provincial-level prefixes of GB/T 2260 (including Taiwan, Hong Kong and Macao).
const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44",
    "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
];

fn check_digits(s: &str, lens: &[usize], what: &str) -> Result<(), ValidationError> {
    let bad = |why: String| ValidationError::new(ErrorCode::InvalidRegion, why);
    if !lens.contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
        let want = match lens {
            [6] => "six digits".to_owned(),
            _ => "2, 4 or 6 digits".to_owned(),
        };
        return Err(bad(format!("{what} `{s}` must be {want}")));
    }
    if !PROVINCES.contains(&&s[..2]) {
        return Err(bad(format!("{what} `{s}` starts with `{}`, which is not a GB/T 2260 province code", &s[..2])));
    }
    Ok(())
}

/// A six-digit GB/T 2260 administrative division code whose first two digits name a province.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct RegionCode(Ascii<6>);

impl std::fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RegionCode").field(&self.0).finish()
    }
}

impl RegionCode {
    /// Parses a region code (surrounding white space ignored).
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim();
        check_digits(s, &[6], "region code")?;
        Ascii::new(s).map(Self).ok_or_else(|| {
            ValidationError::new(ErrorCode::InvalidRegion, format!("region code `{s}` is not six digits"))
        })
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The two-digit province prefix.
    pub fn province(&self) -> &str {
        &self.as_str()[..2]
    }
}

impl std::fmt::Display for RegionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A jurisdiction: a GB/T 2260 prefix of 2 (province), 4 (city) or 6 (county) digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Jurisdiction(String);

impl Jurisdiction {
    /// Parses a jurisdiction prefix.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim();
        check_digits(s, &[2, 4, 6], "jurisdiction prefix")?;
        Ok(Self(s.to_owned()))
    }

    /// Whether `region` lies inside this jurisdiction.
    pub fn covers(&self, region: &RegionCode) -> bool {
        region.as_str().starts_with(&self.0)
    }

    /// The prefix as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region codes it covers as an inclusive range `(lowest, highest)`: the prefix padded to
    /// six digits with 0 and with 9. Codes are six digits, so the range holds exactly the codes with
    /// this prefix, in any collation; a database answers it from an ordinary index, where
    /// `LIKE 'prefix%'` needs the C collation or a pattern operator class.
    pub fn code_range(&self) -> (String, String) {
        (format!("{:0<6}", self.0), format!("{:9<6}", self.0))
    }

    /// How a region filter `wanted` meets the jurisdiction `mine` of a viewer bound to one (`None`:
    /// a viewer who sees every region). Each caller decides what a wider or a disjoint filter
    /// means for it (narrowed, empty, or refused).
    pub fn reach(mine: Option<&Jurisdiction>, wanted: Option<Jurisdiction>) -> Reach {
        match (mine, wanted) {
            (None, w) => Reach::Within(w),
            (Some(m), None) => Reach::Within(Some(m.clone())),
            (Some(m), Some(w)) if w.0.starts_with(&m.0) => Reach::Within(Some(w)),
            (Some(m), Some(w)) if m.0.starts_with(&w.0) => Reach::Wider(m.clone()),
            (Some(_), Some(_)) => Reach::Disjoint,
        }
    }
}

/// What [`Jurisdiction::reach`] finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Look here (`None`: everywhere): the filter when it lies inside the viewer's jurisdiction,
    /// else the viewer's jurisdiction when no filter is given.
    Within(Option<Jurisdiction>),
    /// The filter holds the viewer's jurisdiction and more; this is the part the viewer may see.
    Wider(Jurisdiction),
    /// The filter and the viewer's jurisdiction share no region.
    Disjoint,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jurisdiction_is_the_range_of_the_codes_it_covers() {
        for (p, lo, hi) in [("33", "330000", "339999"), ("3301", "330100", "330199"), ("330106", "330106", "330106")] {
            let j = Jurisdiction::parse(p).unwrap();
            assert_eq!(j.code_range(), (lo.to_owned(), hi.to_owned()));
            for code in ["330106", "330000", "339999", "340000", "329999", "330200"] {
                let r = RegionCode::parse(code).unwrap();
                let inside = code >= lo && code <= hi;
                assert_eq!(j.covers(&r), inside, "{p} {code}");
            }
        }
    }

    #[test]
    fn a_filter_reaches_within_beyond_or_beside_the_viewers_jurisdiction() {
        let j = |p: &str| Jurisdiction::parse(p).unwrap();
        let (zj, hz, xh, nb, bj) = (j("33"), j("3301"), j("330106"), j("3302"), j("11"));
        let cases = [
            (None, None, Reach::Within(None)),
            (None, Some(&hz), Reach::Within(Some(hz.clone()))),
            (Some(&hz), None, Reach::Within(Some(hz.clone()))),
            (Some(&hz), Some(&hz), Reach::Within(Some(hz.clone()))),
            (Some(&hz), Some(&xh), Reach::Within(Some(xh.clone()))),
            (Some(&zj), Some(&xh), Reach::Within(Some(xh.clone()))),
            (Some(&hz), Some(&zj), Reach::Wider(hz.clone())),
            (Some(&xh), Some(&zj), Reach::Wider(xh.clone())),
            (Some(&hz), Some(&nb), Reach::Disjoint),
            (Some(&hz), Some(&bj), Reach::Disjoint),
            (Some(&xh), Some(&j("330105")), Reach::Disjoint),
        ];
        for (mine, wanted, want) in cases {
            assert_eq!(Jurisdiction::reach(mine, wanted.cloned()), want, "{mine:?} {wanted:?}");
        }
    }

    #[test]
    fn every_provincial_prefix_is_accepted() {
        for p in PROVINCES {
            assert!(RegionCode::parse(&format!("{p}0106")).is_ok(), "{p}");
        }
        assert_eq!(PROVINCES.len(), 34);
    }

    #[test]
    fn codes_outside_the_provinces_are_rejected() {
        for bad in [
            "100000", "160000", "200000", "240000", "300000", "380000", "470000", "550000", "600000", "660000",
            "700000", "720000", "800000", "830000", "990000",
        ] {
            assert_eq!(RegionCode::parse(bad).unwrap_err().code, ErrorCode::InvalidRegion, "{bad}");
        }
    }

    #[test]
    fn region_codes_must_be_six_digits() {
        for bad in ["", "33", "3301", "33010", "3301066", "33010a", "３３０１０６"] {
            assert_eq!(RegionCode::parse(bad).unwrap_err().code, ErrorCode::InvalidRegion, "{bad}");
        }
        assert_eq!(RegionCode::parse(" 330106 ").unwrap().as_str(), "330106");
    }

    #[test]
    fn jurisdictions_are_prefixes_of_two_four_or_six_digits() {
        let hz = RegionCode::parse("330106").unwrap();
        for ok in ["33", "3301", "330106"] {
            assert!(Jurisdiction::parse(ok).unwrap().covers(&hz), "{ok}");
        }
        for other in ["32", "3302", "330105"] {
            assert!(!Jurisdiction::parse(other).unwrap().covers(&hz), "{other}");
        }
        for bad in ["3", "330", "33010", "3301066", "99", "ab"] {
            assert_eq!(Jurisdiction::parse(bad).unwrap_err().code, ErrorCode::InvalidRegion, "{bad}");
        }
    }
}
