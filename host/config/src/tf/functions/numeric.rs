//! Terraform's numeric functions (`abs`, `ceil`, `floor`, `log`, `max`, `min`, `parseint`,
//! `pow`, `signum`), so configurations computing counts, ports or sizes evaluate as Terraform
//! evaluates them.

use super::{at_least, fixed, integer, number, string, FunctionEnv};
use crate::tf::value::Value;

fn unary(args: &[Value], op: fn(f64) -> f64) -> Result<Value, String> {
    let [num] = fixed(args)?;
    Ok(Value::Number(op(number(num, "num")?)))
}

pub(super) fn abs(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    unary(args, f64::abs)
}

pub(super) fn ceil(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    unary(args, f64::ceil)
}

pub(super) fn floor(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    unary(args, f64::floor)
}

pub(super) fn signum(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    unary(args, |n| if n == 0.0 { 0.0 } else { n.signum() })
}

pub(super) fn log(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [num, base] = fixed(args)?;
    let (num, base) = (number(num, "num")?, number(base, "base")?);
    Ok(Value::Number(num.ln() / base.ln()))
}

pub(super) fn pow(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [num, power] = fixed(args)?;
    Ok(Value::Number(
        number(num, "num")?.powf(number(power, "power")?),
    ))
}

fn extreme(args: &[Value], pick: fn(f64, f64) -> f64) -> Result<Value, String> {
    at_least(args, 1).map_err(|_| "must pass at least one number".to_owned())?;
    let mut result = number(&args[0], "numbers")?;
    for arg in &args[1..] {
        result = pick(result, number(arg, "numbers")?);
    }
    Ok(Value::Number(result))
}

pub(super) fn max(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    extreme(args, f64::max)
}

pub(super) fn min(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    extreme(args, f64::min)
}

/// `parseint(number, base)`: bases 2 to 62; up to base 36 letters are case-insensitive, above
/// it `a`-`z` are 10-35 and `A`-`Z` 36-61 (Go's `big.Int.SetString`, which Terraform uses).
pub(super) fn parseint(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [text, base_arg] = fixed(args)?;
    let text = string(text, "number")?;
    let base = integer(base_arg, "base")?;
    if !(2..=62).contains(&base) {
        return Err(super::invalid(
            "base",
            "base must be a whole number between 2 and 62 inclusive",
        ));
    }
    let cannot = || format!("cannot parse {text:?} as a base {base} integer");
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text.as_str()),
    };
    if digits.is_empty() {
        return Err(cannot());
    }
    let mut result = 0f64;
    for c in digits.chars() {
        let digit = match c {
            '0'..='9' => c as i64 - '0' as i64,
            'a'..='z' => c as i64 - 'a' as i64 + 10,
            'A'..='Z' if base <= 36 => c as i64 - 'A' as i64 + 10,
            'A'..='Z' => c as i64 - 'A' as i64 + 36,
            _ => return Err(cannot()),
        };
        if digit >= base {
            return Err(cannot());
        }
        result = result * base as f64 + digit as f64;
    }
    Ok(Value::Number(if negative { -result } else { result }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use serde_json::json;

    #[test]
    fn documented_examples() {
        check_ok(&[
            ("abs", json!([23]), json!(23)),
            ("abs", json!([0]), json!(0)),
            ("abs", json!([-12.4]), json!(12.4)),
            ("ceil", json!([5]), json!(5)),
            ("ceil", json!([5.1]), json!(6)),
            ("floor", json!([5]), json!(5)),
            ("floor", json!([4.9]), json!(4)),
            ("log", json!([50, 10]), json!(1.6989700043360185)),
            ("log", json!([16, 2]), json!(4)),
            ("max", json!([12, 54, 3]), json!(54)),
            ("min", json!([12, 54, 3]), json!(3)),
            ("parseint", json!(["100", 10]), json!(100)),
            ("parseint", json!(["FF", 16]), json!(255)),
            ("parseint", json!(["-10", 16]), json!(-16)),
            ("parseint", json!(["1011111011101111", 2]), json!(48879)),
            ("parseint", json!(["aA", 62]), json!(656)),
            ("pow", json!([3, 2]), json!(9)),
            ("pow", json!([4, 0]), json!(1)),
            ("signum", json!([-13]), json!(-1)),
            ("signum", json!([0]), json!(0)),
            ("signum", json!([344]), json!(1)),
            // Strings convert to numbers as Terraform converts them.
            ("abs", json!(["-3"]), json!(3)),
        ]);
    }

    #[test]
    fn errors() {
        check_err(&[
            (
                "parseint",
                json!(["12", 2]),
                "cannot parse \"12\" as a base 2 integer",
            ),
            ("parseint", json!(["10", 63]), "between 2 and 62"),
            ("parseint", json!(["", 10]), "cannot parse"),
            ("max", json!([]), "at least one number"),
            ("abs", json!(["x"]), "a number is required"),
            ("abs", json!([null]), "must not be null"),
            ("abs", json!([1, 2]), "takes 1 argument"),
        ]);
    }

    #[test]
    fn unknown_and_sensitive() {
        assert!(call_v("abs", vec![unknown()]).unwrap().is_unknown());
        assert_eq!(
            call_v("abs", vec![secret(v(json!(-2)))]),
            Ok(secret(v(json!(2))))
        );
    }
}
