//! Terraform's IP network functions (`cidrhost`, `cidrnetmask`, `cidrsubnet`,
//! `cidrsubnets`), for IPv4 and IPv6, with addresses held as `u128` and Terraform's (go-cidr's)
//! arithmetic and error messages.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{at_least, fixed, integer, string, FunctionEnv};
use crate::tf::value::Value;

/// A network: its address (masked to the prefix), prefix length and address width in bits.
#[derive(Clone, Copy)]
struct Net {
    ip: u128,
    prefix: u32,
    bits: u32,
}

fn mask(prefix: u32, bits: u32) -> u128 {
    let host_bits = bits - prefix;
    let host = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    width_mask(bits) & !host
}

/// Parses dotted-quad IPv4, leading zeros read as decimal as Terraform does.
fn parse_v4(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut ip = 0u32;
    for part in parts {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        ip = (ip << 8) | part.parse::<u8>().ok()? as u32;
    }
    Some(ip)
}

fn parse_cidr(s: &str) -> Result<Net, String> {
    let bad = || format!("invalid CIDR expression: invalid CIDR address: {s}");
    let (addr, prefix) = s.split_once('/').ok_or_else(bad)?;
    let (ip, bits) = match parse_v4(addr) {
        Some(ip) => (ip as u128, 32),
        None => (
            u128::from(addr.parse::<Ipv6Addr>().map_err(|_| bad())?),
            128,
        ),
    };
    if prefix.is_empty() || prefix.len() > 3 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let prefix: u32 = prefix.parse().map_err(|_| bad())?;
    if prefix > bits {
        return Err(bad());
    }
    Ok(Net {
        ip: ip & mask(prefix, bits),
        prefix,
        bits,
    })
}

fn addr_text(ip: u128, bits: u32) -> String {
    if bits == 32 {
        Ipv4Addr::from(ip as u32).to_string()
    } else {
        Ipv6Addr::from(ip).to_string()
    }
}

fn net_text(net: Net) -> String {
    format!("{}/{}", addr_text(net.ip, net.bits), net.prefix)
}

/// `cidrhost(prefix, hostnum)`: a negative number counts back from the last address.
pub(super) fn cidrhost(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [prefix, hostnum] = fixed(args)?;
    let net = parse_cidr(&string(prefix, "prefix")?)?;
    let hostnum = integer(hostnum, "hostnum")? as i128;
    let host_bits = net.bits - net.prefix;
    let max_host: u128 = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let too_big = || {
        format!(
            "prefix of {} does not accommodate a host numbered {hostnum}",
            net.prefix
        )
    };
    let number: u128 = if hostnum < 0 {
        let back = (-hostnum - 1) as u128;
        max_host.checked_sub(back).ok_or_else(too_big)?
    } else {
        hostnum as u128
    };
    if number > max_host {
        return Err(too_big());
    }
    Ok(Value::String(addr_text(net.ip | number, net.bits)))
}

pub(super) fn cidrnetmask(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [prefix] = fixed(args)?;
    let written = string(prefix, "prefix")?;
    let net = parse_cidr(&written)?;
    if net.bits != 32 {
        return Err(format!("IPv6 addresses cannot have a netmask: {written}"));
    }
    Ok(Value::String(addr_text(mask(net.prefix, 32), 32)))
}

fn subnet(net: Net, newbits: i64, netnum: i64) -> Result<Net, String> {
    if newbits < 0 || net.prefix as i64 + newbits > net.bits as i64 {
        return Err(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.prefix
        ));
    }
    let newbits = newbits as u32;
    let prefix = net.prefix + newbits;
    let fits = netnum >= 0 && (newbits >= 64 || (netnum as u128) < (1u128 << newbits));
    if !fits {
        return Err(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        ));
    }
    let shift = net.bits - prefix;
    let offset = if shift >= 128 {
        0
    } else {
        (netnum as u128) << shift
    };
    Ok(Net {
        ip: net.ip | offset,
        prefix,
        bits: net.bits,
    })
}

/// `cidrsubnet(prefix, newbits, netnum)`.
pub(super) fn cidrsubnet(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [prefix, newbits, netnum] = fixed(args)?;
    let net = parse_cidr(&string(prefix, "prefix")?)?;
    let newbits = integer(newbits, "newbits")?;
    let netnum = integer(netnum, "netnum")?;
    subnet(net, newbits, netnum).map(|n| Value::String(net_text(n)))
}

fn width_mask(bits: u32) -> u128 {
    if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

fn last_address(net: Net) -> u128 {
    net.ip | (width_mask(net.bits) & !mask(net.prefix, net.bits))
}

/// `cidrsubnets(prefix, newbits...)`: consecutive subnets, each aligned to its own size, as
/// Terraform allocates them.
pub(super) fn cidrsubnets(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    at_least(args, 1)?;
    let net = parse_cidr(&string(&args[0], "prefix")?)?;
    let lengths = &args[1..];
    if lengths.is_empty() {
        return Ok(Value::List(Vec::new()));
    }
    let all = width_mask(net.bits);
    let first =
        (integer(&lengths[0], "newbits")? + net.prefix as i64).clamp(0, net.bits as i64) as u32;
    // The subnet just before the first one (go-cidr's PreviousSubnet).
    let mut current = Net {
        ip: net.ip.wrapping_sub(1) & all & mask(first, net.bits),
        prefix: first,
        bits: net.bits,
    };
    let mut out = Vec::with_capacity(lengths.len());
    for (i, length) in lengths.iter().enumerate() {
        let length = integer(length, "newbits")?;
        if length < 1 {
            return Err(format!("Invalid value for \"newbits\" parameter: argument {}: must extend prefix by at least one bit.", i + 2));
        }
        if length > 32 {
            return Err(format!("Invalid value for \"newbits\" parameter: argument {}: may not extend prefix by more than 32 bits.", i + 2));
        }
        let length = length as u32 + net.prefix;
        if length > net.bits {
            return Err(format!(
                "would extend prefix to {length} bits, which is too long for an {} address",
                if net.bits == 32 { "IPv4" } else { "IPv6" }
            ));
        }
        // go-cidr's NextSubnet.
        let widened = Net {
            ip: last_address(current) & mask(length, net.bits),
            prefix: length,
            bits: net.bits,
        };
        let after = last_address(widened).wrapping_add(1) & all;
        let next = Net {
            ip: after & mask(length, net.bits),
            prefix: length,
            bits: net.bits,
        };
        let inside = next.ip & mask(net.prefix, net.bits) == net.ip;
        // The subnet before a network at address zero wraps to the top of the address
        // space, so reaching zero again is only a rollover after the first subnet.
        // (Terraform errors there instead, a known bug: hashicorp/terraform#35486.)
        let wrapped = after == 0 && !(i == 0 && net.ip == 0);
        if wrapped || !inside {
            return Err(format!(
                "not enough remaining address space for a subnet with a prefix of {length} bits \
                 after {}",
                net_text(current)
            ));
        }
        current = next;
        out.push(Value::String(net_text(current)));
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use serde_json::json;

    #[test]
    fn documented_examples() {
        check_ok(&[
            (
                "cidrhost",
                json!(["10.12.112.0/20", 16]),
                json!("10.12.112.16"),
            ),
            (
                "cidrhost",
                json!(["10.12.112.0/20", 268]),
                json!("10.12.113.12"),
            ),
            (
                "cidrhost",
                json!(["fd00:fd12:3456:7890:00a2::/72", 34]),
                json!("fd00:fd12:3456:7890::22"),
            ),
            ("cidrhost", json!(["10.0.0.0/24", -1]), json!("10.0.0.255")),
            ("cidrhost", json!(["10.0.0.0/24", -256]), json!("10.0.0.0")),
            ("cidrhost", json!(["010.001.0.0/16", 1]), json!("10.1.0.1")),
            (
                "cidrnetmask",
                json!(["172.16.0.0/12"]),
                json!("255.240.0.0"),
            ),
            ("cidrnetmask", json!(["10.0.0.0/0"]), json!("0.0.0.0")),
            (
                "cidrnetmask",
                json!(["10.0.0.0/32"]),
                json!("255.255.255.255"),
            ),
            (
                "cidrsubnet",
                json!(["172.16.0.0/12", 4, 2]),
                json!("172.18.0.0/16"),
            ),
            (
                "cidrsubnet",
                json!(["10.1.2.0/24", 4, 15]),
                json!("10.1.2.240/28"),
            ),
            (
                "cidrsubnet",
                json!(["fd00:fd12:3456:7890::/56", 16, 162]),
                json!("fd00:fd12:3456:7800:a200::/72"),
            ),
            (
                "cidrsubnet",
                json!(["10.0.0.0/8", 0, 0]),
                json!("10.0.0.0/8"),
            ),
            (
                "cidrsubnets",
                json!(["10.1.0.0/16", 4, 4, 8, 4]),
                json!([
                    "10.1.0.0/20",
                    "10.1.16.0/20",
                    "10.1.32.0/24",
                    "10.1.48.0/20"
                ]),
            ),
            (
                "cidrsubnets",
                json!(["fd00:fd12:3456:7890::/56", 16, 16, 16, 32]),
                json!([
                    "fd00:fd12:3456:7800::/72",
                    "fd00:fd12:3456:7800:100::/72",
                    "fd00:fd12:3456:7800:200::/72",
                    "fd00:fd12:3456:7800:300::/88"
                ]),
            ),
            ("cidrsubnets", json!(["10.0.0.0/8"]), json!([])),
            (
                "cidrsubnets",
                json!(["0.0.0.0/0", 1, 1]),
                json!(["0.0.0.0/1", "128.0.0.0/1"]),
            ),
        ]);
    }

    #[test]
    fn errors() {
        check_err(&[
            (
                "cidrhost",
                json!(["10.0.0.0/24", 256]),
                "prefix of 24 does not accommodate a host numbered 256",
            ),
            (
                "cidrhost",
                json!(["10.0.0.0/24", -257]),
                "does not accommodate a host numbered -257",
            ),
            (
                "cidrhost",
                json!(["10.0.0/24", 1]),
                "invalid CIDR expression",
            ),
            (
                "cidrhost",
                json!(["10.0.0.0/33", 1]),
                "invalid CIDR expression",
            ),
            (
                "cidrnetmask",
                json!(["fd00::/8"]),
                "IPv6 addresses cannot have a netmask",
            ),
            (
                "cidrsubnet",
                json!(["10.0.0.0/30", 4, 0]),
                "insufficient address space to extend prefix of 30 by 4",
            ),
            (
                "cidrsubnet",
                json!(["10.0.0.0/24", 2, 4]),
                "prefix extension of 2 does not accommodate a subnet numbered 4",
            ),
            (
                "cidrsubnets",
                json!(["10.0.0.0/24", 1, 1, 1]),
                "not enough remaining address space",
            ),
            ("cidrsubnets", json!(["10.0.0.0/24", 0]), "at least one bit"),
            (
                "cidrsubnets",
                json!(["10.0.0.0/24", 9]),
                "would extend prefix to 33 bits, which is too long for an IPv4 address",
            ),
        ]);
    }
}
