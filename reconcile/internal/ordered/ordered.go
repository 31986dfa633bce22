// Package ordered reads jobs on several goroutines and joins their results in the order the jobs
// were given, as the decoders that read a large file in runs of lines need: the runs are read in
// parallel, but each is added to the result after the ones before it, and the first one that cannot
// be joined stops the joining, so that it and every run after it can be read again, line by line,
// by the caller.
package ordered

// job is a job handed out, and what reading it gave.
type job[J any] struct {
	v     J
	ok    bool // read reported that it can be joined
	crash any  // what reading it panicked with, raised again on the caller's goroutine
	done  chan struct{}
}

// Runs reads jobs on its goroutines and joins them in order. It is used from one goroutine.
type Runs[J any] struct {
	work    chan *job[J]
	workers int
	join    func(J) bool
	pending []*job[J] // handed out and not joined yet, in order
	failed  bool
	stopped bool // work is closed: the goroutines end once they have read what it holds
}

// Start starts workers goroutines that call read on each job given to Add; read reports whether
// the job was read whole, and join, called on the caller's goroutine in the order of Add, whether
// it could add the job to the result. Finish must be called.
func Start[J any](workers int, read func(J) bool, join func(J) bool) *Runs[J] {
	r := &Runs[J]{work: make(chan *job[J], workers), workers: workers, join: join}
	for range workers {
		go func() {
			for j := range r.work {
				j.read(read)
			}
		}()
	}
	return r
}

func (j *job[J]) read(read func(J) bool) {
	defer func() {
		j.crash = recover()
		close(j.done)
	}()
	j.ok = read(j.v)
}

// Add hands v to a goroutine, then joins the jobs at the front that are done: it waits for the
// oldest when more than twice as many jobs as goroutines are out, which bounds what they hold.
func (r *Runs[J]) Add(v J) {
	j := &job[J]{v: v, done: make(chan struct{})}
	r.pending = append(r.pending, j)
	r.work <- j
	r.joinDone(len(r.pending) > 2*r.workers)
}

// Refuse adds v as a job that cannot be joined, without reading it (the caller knows already: a run
// cut inside a quoted field, say). The caller then adds nothing more and calls Finish, which joins
// the jobs before v and returns v with what follows.
func (r *Runs[J]) Refuse(v J) {
	j := &job[J]{v: v, done: make(chan struct{})}
	close(j.done)
	r.pending = append(r.pending, j)
}

// Failed reports whether a job could not be read or joined: nothing after it is joined, and Add
// need not be called any more.
func (r *Runs[J]) Failed() bool { return r.failed }

// joinDone joins the jobs at the front of pending that are done; wait says to wait for the first.
func (r *Runs[J]) joinDone(wait bool) {
	for len(r.pending) > 0 && !r.failed {
		j := r.pending[0]
		if !wait {
			select {
			case <-j.done:
			default:
				return
			}
		}
		if !r.joinJob(j) {
			return
		}
		r.pending, wait = r.pending[1:], false
	}
}

// joinJob waits for j and joins it, or marks the runs failed.
func (r *Runs[J]) joinJob(j *job[J]) bool {
	<-j.done
	joined := false
	defer func() {
		if !joined { // a panic, reading (raised again here) or joining: the goroutines must not be left waiting
			r.stop()
		}
	}()
	if j.crash != nil {
		panic(j.crash) // a bug surfaces on the caller's goroutine, which can recover it
	}
	if !j.ok || !r.join(j.v) {
		r.failed = true
	}
	joined = true
	return !r.failed
}

// stop closes work, once.
func (r *Runs[J]) stop() {
	if !r.stopped {
		r.stopped = true
		close(r.work)
	}
}

// Finish waits for every job, joins those it still can, in order, stops the goroutines and returns
// the jobs not joined, in order: the first that could not be, and every one after it.
func (r *Runs[J]) Finish() []J {
	r.stop()
	var rest []J
	for _, j := range r.pending {
		if !r.failed && r.joinJob(j) {
			continue
		}
		<-j.done
		rest = append(rest, j.v)
	}
	r.pending = nil
	return rest
}
