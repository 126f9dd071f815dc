//! What may appear in logs: never a full phone number or a patient's surname.

/// `+61400000001` → `+61*******01`: country prefix and the last two digits only.
pub fn phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() <= 5 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 5))
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_all_but_prefix_and_last_two() {
        assert_eq!(super::phone("+61400000001"), "+61*******01");
        assert_eq!(super::phone("+1"), "**");
    }
}
