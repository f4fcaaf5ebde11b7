//! Work vectors the passes borrow and give back, per thread: a function's
//! compile then allocates next to nothing once the vectors have grown to
//! the sizes functions need, and works in memory the last compile used.
//!
//! `pool::filled(n, x)` lends a vector of `n` copies of `x`, `pool::empty()`
//! an empty one; either goes back when dropped (cleared, its capacity
//! kept).

use std::ops::{Deref, DerefMut};

use crate::ir::{Block, ExitId, Value};

/// A type whose vectors are pooled (one pool per type and thread).
pub trait Pooled: Sized + 'static {
    fn with_pool<R>(f: impl FnOnce(&mut Vec<Vec<Self>>) -> R) -> R;
}

/// Makes each type's vectors pooled (for a module's own types too).
macro_rules! pooled {
    ($($t:ty),* $(,)?) => {
        $(
            impl $crate::pool::Pooled for $t {
                fn with_pool<R>(f: impl FnOnce(&mut Vec<Vec<Self>>) -> R) -> R {
                    thread_local! {
                        static POOL: std::cell::RefCell<Vec<Vec<$t>>> =
                            const { std::cell::RefCell::new(Vec::new()) };
                    }
                    POOL.with(|p| f(&mut p.borrow_mut()))
                }
            }
        )*
    };
}

pub(crate) use pooled;

pooled!(
    bool,
    u8,
    u16,
    u32,
    u64,
    usize,
    isize,
    Value,
    Block,
    Option<Value>,
    Option<Block>,
    Option<u64>,
    (Block, usize),
    (Value, Value),
    (Value, i64),
    (u32, u8),
    Option<(Value, i64)>,
    (Value, Value, Value, Value, Value, ExitId),
    ExitId,
);

/// A vector lent by the pool; it goes back when dropped.
pub struct Buf<T: Pooled>(Vec<T>);

/// Vectors a pool keeps at most (more are freed).
const KEEP: usize = 16;

impl<T: Pooled> Drop for Buf<T> {
    fn drop(&mut self) {
        let mut v = std::mem::take(&mut self.0);
        if v.capacity() == 0 {
            return;
        }
        v.clear();
        T::with_pool(|p| {
            if p.len() < KEEP {
                p.push(v)
            }
        });
    }
}

impl<T: Pooled + Clone> Clone for Buf<T> {
    fn clone(&self) -> Buf<T> {
        let mut b = empty();
        b.extend_from_slice(&self.0);
        b
    }
}

impl<T: Pooled> Deref for Buf<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T: Pooled> DerefMut for Buf<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.0
    }
}

/// An empty vector from the pool.
pub fn empty<T: Pooled>() -> Buf<T> {
    Buf(T::with_pool(|p| p.pop()).unwrap_or_default())
}

/// `n` copies of `x`, in a vector from the pool.
pub fn filled<T: Pooled + Clone>(n: usize, x: T) -> Buf<T> {
    let mut b = empty();
    refill(&mut b, n, x);
    b
}

/// `v` emptied, then `n` copies of `x`. (A vector too small is replaced,
/// not grown: growing would copy what it held, which is not wanted.)
pub fn refill<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
    v.clear();
    if v.capacity() < n {
        *v = Vec::with_capacity(n);
    }
    v.resize(n, x);
}

#[cfg(test)]
mod tests {
    #[test]
    fn vectors_come_back_cleared_with_their_room() {
        let mut a = super::filled(100, 7u32);
        assert_eq!(a.len(), 100);
        a.push(1);
        let cap = a.capacity();
        drop(a);
        let b = super::empty::<u32>();
        assert!(b.is_empty());
        assert!(b.capacity() >= cap.min(101));
        let c = super::filled(3, true);
        assert_eq!(&c[..], &[true; 3]);
    }
}
