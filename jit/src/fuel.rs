//! Fuel in native code.
//!
//! Native code keeps the current window's count (`vm::rt::Fuel::left`) in a
//! register: every backend loads it in its entry sequence, writes it back
//! in its epilogue (every way out of native code) and around each runtime
//! operation (which spends from the same count). A tick that spends the
//! window's last unit takes the next window here, as the interpreter's
//! `refuel` does, without leaving native code; when the run has nothing in
//! reserve, the code leaves before the tick and the interpreter spends it
//! and raises the fuel error at that instruction.

use vm::tiering::Cx;

/// The next window's count after a tick spent the last unit of the
/// current one (`Fuel::left` becomes it), or 0 when the run's fuel is
/// spent (nothing changes).
///
/// # Safety
/// `cx` is the context of the running native code (its `rt` is live).
pub unsafe extern "C" fn refuel(cx: *const Cx) -> u64 {
    // SAFETY: the caller's promise.
    let (cx, fuel) = unsafe { (&*cx, &(*(*cx).rt).fuel) };
    let reserve = fuel.reserve.get();
    if reserve == 0 {
        return 0;
    }
    let take = reserve.min(cx.window.max(1));
    fuel.left.set(take);
    fuel.reserve.set(reserve - take);
    take
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(rt: &vm::rt::RtCtx, window: u64) -> Cx {
        let mut c = Cx::bare(std::ptr::null_mut(), rt.fuel.left.as_ptr());
        c.rt = rt;
        c.window = window;
        c
    }

    #[test]
    fn takes_a_window_from_the_reserve_until_it_is_empty() {
        let rt = vm::rt::RtCtx::new(vm::classmethods::ClassTable::new(
            typer::classes::Classes::shared(),
        ));
        rt.fuel.left.set(0);
        rt.fuel.reserve.set(25);
        let c = cx(&rt, 10);
        // SAFETY: `c` points at a live context.
        let takes: Vec<u64> = (0..4).map(|_| unsafe { refuel(&c) }).collect();
        assert_eq!(takes, [10, 10, 5, 0]);
        assert_eq!((rt.fuel.left.get(), rt.fuel.reserve.get()), (5, 0));
    }
}
