//! µ-law WAV files (SPEC §5): ElevenLabs' headerless `ulaw_8000` bytes wrapped for Twilio's
//! `<Play>`, and the checks a player makes on them.

pub const SAMPLE_RATE: u32 = 8000;
const FORMAT_MULAW: u16 = 7;

/// Wrap headerless µ-law 8 kHz mono bytes as a WAVE file: `fmt ` (18 bytes, tag 7), `fact`, `data`.
pub fn wrap_ulaw(samples: &[u8]) -> Vec<u8> {
    let n = samples.len() as u32;
    let pad = n % 2;
    let riff_size = 4 + (8 + 18) + (8 + 4) + (8 + n + pad);
    let mut out = Vec::with_capacity(riff_size as usize + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&riff_size.to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&18u32.to_le_bytes());
    out.extend_from_slice(&FORMAT_MULAW.to_le_bytes()); // format tag: µ-law
    out.extend_from_slice(&1u16.to_le_bytes()); // channels
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes()); // samples per second
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes()); // bytes per second
    out.extend_from_slice(&1u16.to_le_bytes()); // block align
    out.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(&0u16.to_le_bytes()); // cbSize
    out.extend_from_slice(b"fact");
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(samples);
    if pad == 1 {
        out.push(0);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WavInfo {
    pub samples: u32,
    /// The µ-law bytes themselves.
    pub data: Vec<u8>,
}

impl WavInfo {
    pub fn duration_secs(&self) -> f64 {
        self.samples as f64 / SAMPLE_RATE as f64
    }
}

/// Read a WAVE file and check it is µ-law, 8 kHz, mono, 8-bit, with consistent sizes.
pub fn parse_ulaw(bytes: &[u8]) -> Result<WavInfo, String> {
    let u32_at = |i: usize| -> Result<u32, String> {
        bytes
            .get(i..i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| "truncated".to_string())
    };
    let u16_at = |i: usize| -> Result<u16, String> {
        bytes
            .get(i..i + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| "truncated".to_string())
    };
    if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return Err("not a RIFF/WAVE file".into());
    }
    if u32_at(4)? as usize + 8 != bytes.len() {
        return Err("RIFF size does not match the file length".into());
    }
    let mut i = 12;
    let (mut fmt_ok, mut fact, mut data) = (false, None, None);
    while i + 8 <= bytes.len() {
        let id = &bytes[i..i + 4];
        let size = u32_at(i + 4)? as usize;
        let body = i + 8;
        if body + size > bytes.len() {
            return Err(format!(
                "chunk {:?} runs past the end",
                String::from_utf8_lossy(id)
            ));
        }
        match id {
            b"fmt " => {
                let (tag, ch, rate, bps, align, bits) = (
                    u16_at(body)?,
                    u16_at(body + 2)?,
                    u32_at(body + 4)?,
                    u32_at(body + 8)?,
                    u16_at(body + 12)?,
                    u16_at(body + 14)?,
                );
                if tag != FORMAT_MULAW {
                    return Err(format!("format tag {tag}, expected 7 (µ-law)"));
                }
                if (ch, rate, bps, align, bits) != (1, SAMPLE_RATE, SAMPLE_RATE, 1, 8) {
                    return Err("expected mono 8 kHz 8-bit µ-law".into());
                }
                fmt_ok = true;
            }
            b"fact" => fact = Some(u32_at(body)?),
            b"data" => data = Some(bytes[body..body + size].to_vec()),
            _ => {}
        }
        i = body + size + size % 2;
    }
    let data = data.ok_or("no data chunk")?;
    if !fmt_ok {
        return Err("no fmt chunk".into());
    }
    if data.is_empty() {
        return Err("no audio samples".into());
    }
    if fact.is_some_and(|f| f as usize != data.len()) {
        return Err("fact sample count does not match the data".into());
    }
    Ok(WavInfo {
        samples: data.len() as u32,
        data,
    })
}

/// G.711 µ-law encoding of one 16-bit linear sample.
pub fn ulaw_encode(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32635;
    let mut s = sample as i32;
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(CLIP) + BIAS;
    let exponent = (7 - ((s as u32) << 17).leading_zeros().min(7)) as i32;
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// G.711 µ-law decoding of one byte to a 16-bit linear sample.
pub fn ulaw_decode(byte: u8) -> i16 {
    let u = !byte;
    let sign = u & 0x80;
    let exponent = (u >> 4) & 0x07;
    let mantissa = u & 0x0F;
    let magnitude = (((mantissa as i32) << 3) + 0x84) << exponent;
    let linear = magnitude - 0x84;
    (if sign != 0 { -linear } else { linear }) as i16
}

/// µ-law 8 kHz mono bytes as a 16-bit PCM WAVE file: what every browser plays (the portal's
/// Listen button), where µ-law WAV is not universally supported.
pub fn ulaw_to_pcm_wav(ulaw: &[u8]) -> Vec<u8> {
    let n = ulaw.len() as u32 * 2;
    let mut out = Vec::with_capacity(44 + n as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + n).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&n.to_le_bytes());
    for &b in ulaw {
        out.extend_from_slice(&ulaw_decode(b).to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ulaw_decodes_back_near_the_sample() {
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(ulaw_encode(0)), 0);
        for s in [-32000i16, -1000, -8, 8, 1000, 32000] {
            let back = ulaw_decode(ulaw_encode(s));
            assert!(
                (back as i32 - s as i32).abs() <= (s as i32).abs() / 16 + 8,
                "{s} -> {back}"
            );
        }
        let w = ulaw_to_pcm_wav(&[0xFF; 8000]);
        assert_eq!(&w[0..4], b"RIFF");
        assert_eq!(u16::from_le_bytes([w[20], w[21]]), 1, "PCM");
        assert_eq!(w.len(), 44 + 16000);
    }

    #[test]
    fn header_is_exactly_as_specified() {
        let w = wrap_ulaw(&[0xFF; 8000]);
        assert_eq!(&w[0..4], b"RIFF");
        assert_eq!(
            u32::from_le_bytes(w[4..8].try_into().unwrap()) as usize,
            w.len() - 8
        );
        assert_eq!(&w[12..16], b"fmt ");
        assert_eq!(u32::from_le_bytes(w[16..20].try_into().unwrap()), 18);
        assert_eq!(u16::from_le_bytes(w[20..22].try_into().unwrap()), 7);
        assert_eq!(&w[38..42], b"fact");
        assert_eq!(&w[50..54], b"data");
        assert_eq!(w.len(), 58 + 8000);
        let info = parse_ulaw(&w).unwrap();
        assert_eq!(info.duration_secs(), 1.0);
    }

    #[test]
    fn odd_lengths_are_padded_and_still_valid() {
        let w = wrap_ulaw(&[1, 2, 3]);
        assert_eq!(w.len() % 2, 0);
        assert_eq!(parse_ulaw(&w).unwrap().data, vec![1, 2, 3]);
    }

    #[test]
    fn rejects_what_twilio_could_not_play() {
        assert!(parse_ulaw(b"not audio").is_err());
        let mut pcm = wrap_ulaw(&[1; 10]);
        pcm[20] = 1; // PCM format tag
        assert!(parse_ulaw(&pcm).is_err());
        let mut short = wrap_ulaw(&[1; 10]);
        short.truncate(60);
        assert!(parse_ulaw(&short).is_err());
        assert!(parse_ulaw(&wrap_ulaw(&[])).is_err());
    }

    #[test]
    fn ulaw_known_values() {
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(-1), 0x7F);
        assert_eq!(ulaw_encode(32767), 0x80);
        assert_eq!(ulaw_encode(-32768), 0x00);
    }

    proptest! {
        #[test]
        fn wrap_then_parse_round_trips(data in proptest::collection::vec(any::<u8>(), 1..2000)) {
            prop_assert_eq!(parse_ulaw(&wrap_ulaw(&data)).unwrap().data, data);
        }

        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_ulaw(&bytes);
        }
    }
}
