//! Pause, resume and cancel of one upload, and the requests it has in flight.
//!
//! The panel's buttons set the state; every request of the upload carries an
//! `AbortSignal`, so pausing or cancelling aborts what is on the wire at once, and
//! whatever waits (a retry's back-off, a paused upload) wakes up to look again.

use super::session::RunState;
use futures::channel::oneshot;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use web_sys::{AbortController, AbortSignal};

/// One upload's state and its abortable requests.
pub struct Control {
    state: Cell<RunState>,
    aborts: RefCell<HashMap<u64, AbortController>>,
    next_abort: Cell<u64>,
    waiters: RefCell<Vec<oneshot::Sender<()>>>,
}

impl Control {
    fn new() -> Control {
        Control {
            state: Cell::new(RunState::Running),
            aborts: RefCell::new(HashMap::new()),
            next_abort: Cell::new(0),
            waiters: RefCell::new(Vec::new()),
        }
    }

    /// What the user wants now.
    pub fn state(&self) -> RunState {
        self.state.get()
    }

    /// Changes the state: anything but `Running` aborts the requests in flight.
    pub fn set(&self, state: RunState) {
        if self.state.get() == RunState::Cancelled {
            return;
        }
        self.state.set(state);
        if state != RunState::Running {
            // Aborting fires the requests' rejections, which run later, not here.
            let aborts: Vec<AbortController> = self.aborts.borrow().values().cloned().collect();
            for controller in aborts {
                controller.abort();
            }
        }
        for waiter in self.waiters.borrow_mut().drain(..) {
            let _ = waiter.send(());
        }
    }

    /// Resolves at the next change of state.
    pub fn changed(&self) -> oneshot::Receiver<()> {
        let (sender, receiver) = oneshot::channel();
        self.waiters.borrow_mut().push(sender);
        receiver
    }

    /// A signal for one request, aborted when the upload is paused or cancelled;
    /// `None` when it is not running.
    pub fn abort_guard(self: &Rc<Self>) -> Option<AbortGuard> {
        if self.state() != RunState::Running {
            return None;
        }
        let controller = AbortController::new().ok()?;
        let id = self.next_abort.get();
        self.next_abort.set(id + 1);
        self.aborts.borrow_mut().insert(id, controller.clone());
        Some(AbortGuard {
            control: Rc::clone(self),
            id,
            controller,
        })
    }
}

/// A request's abort signal, forgotten by its upload when dropped.
pub struct AbortGuard {
    control: Rc<Control>,
    id: u64,
    controller: AbortController,
}

impl AbortGuard {
    /// The signal to give `fetch`.
    pub fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        self.control.aborts.borrow_mut().remove(&self.id);
    }
}

thread_local! {
    static CONTROLS: RefCell<HashMap<u64, Rc<Control>>> = RefCell::new(HashMap::new());
}

/// The control of upload `id`, made when it starts; removed by `forget`.
pub fn register(id: u64) -> Rc<Control> {
    let control = Rc::new(Control::new());
    CONTROLS.with(|controls| controls.borrow_mut().insert(id, Rc::clone(&control)));
    control
}

/// Forgets the control of a finished upload.
pub fn forget(id: u64) {
    CONTROLS.with(|controls| controls.borrow_mut().remove(&id));
}

/// Sets the state of upload `id`, if it is still running.
pub fn set(id: u64, state: RunState) {
    let control = CONTROLS.with(|controls| controls.borrow().get(&id).cloned());
    if let Some(control) = control {
        control.set(state);
    }
}
