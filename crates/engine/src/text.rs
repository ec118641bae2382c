//! Messages built without `core::fmt`.
//!
//! `format!` pulls the formatting machinery (and, for `{:?}` on strings, the
//! Unicode escape tables) into the wasm module: about a tenth of it. Messages
//! on paths the npm package reaches are built with [`text!`] instead: pieces
//! appended to one `String`, integers through `itoa`.

/// Something [`text!`] can append.
pub trait Piece {
    /// Appends itself to `out`.
    fn put(&self, out: &mut String);
}

impl Piece for str {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn put(&self, out: &mut String) {
        (**self).put(out);
    }
}

impl Piece for u64 {
    fn put(&self, out: &mut String) {
        out.push_str(itoa::Buffer::new().format(*self));
    }
}

// The narrower integers widen to u64: one formatting routine in the wasm.
macro_rules! widen {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn put(&self, out: &mut String) {
                (*self as u64).put(out);
            }
        }
    )*};
}
widen!(u16, u32, usize);

/// A string in double quotes, as a message quotes a user's value.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub struct Quoted<'a>(pub &'a str);

impl Piece for Quoted<'_> {
    fn put(&self, out: &mut String) {
        out.push('"');
        out.push_str(self.0);
        out.push('"');
    }
}

/// Concatenates its arguments (strings, integers, [`Quoted`]) into a `String`.
#[doc(hidden)]
#[macro_export]
macro_rules! __text {
    ($($piece:expr),* $(,)?) => {{
        let mut out = String::new();
        $( $crate::text::Piece::put(&$piece, &mut out); )*
        out
    }};
}
pub use crate::__text as text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_strings_integers_and_quotes() {
        let owned = String::from("b");
        let s = text!(
            "a ",
            owned,
            " ",
            42u16,
            "/",
            18_446_744_073_709_551_615u64,
            " ",
            Quoted("x y")
        );
        assert_eq!(s, "a b 42/18446744073709551615 \"x y\"");
        assert_eq!(text!(0usize), "0");
    }
}
