/*
 * lisp_programs.h — the Lisp programs the interpreter example and the
 * `lisp` workload run (examples/lisp_core.h is the interpreter). Each
 * allocates heavily in its own way: tree recursion (many short-lived
 * conses and integers, deep recursion), list sorting (a merge sort that
 * rebuilds lists, survivors of mid-length lifetime) and a closure-heavy
 * loop (closures and environments created and called in a tail loop).
 *
 * Before each program the driver defines `n` (its size) and `seed`; the
 * value of each top-level form goes into the checksum, so both collectors
 * must compute the same values.
 */
#ifndef TRICOLOR_LISP_PROGRAMS_H
#define TRICOLOR_LISP_PROGRAMS_H

typedef struct lisp_program {
    const char *name;
    const char *text;
    long n[3]; /* n for the sizes small, default, large */
} lisp_program;

static const lisp_program lisp_programs[] = {
    {"tree-recursion",
     "; Complete binary trees of conses, built and counted recursively,\n"
     "; then the naive Fibonacci (every addition allocates an integer).\n"
     "(define (make-tree d) (if (= d 0) '() (cons (make-tree (- d 1)) (make-tree (- d 1)))))\n"
     "(define (count tr) (if (null? tr) 1 (+ (count (car tr)) (count (cdr tr)))))\n"
     "(define (fib k) (if (< k 2) k (+ (fib (- k 1)) (fib (- k 2)))))\n"
     "(define (repeat i acc) (if (= i 0) acc (repeat (- i 1) (+ acc (count (make-tree (+ 8 (mod (+ i seed) 5))))))))\n"
     "(define long-lived (make-tree 12))\n"
     "(repeat n 0)\n"
     "(fib (+ 14 (mod n 6)))\n"
     "(count long-lived)\n",
     {8, 60, 240}},
    {"list-sort",
     "; Merge sort of pseudo-random lists; each sorted list is checked and summed.\n"
     "(define (rand-list k x acc) (if (= k 0) acc\n"
     "  (rand-list (- k 1) (mod (+ (* x 1103515245) 12345) 2147483648) (cons (mod x 100000) acc))))\n"
     "(define (split l a b) (if (null? l) (cons a b) (split (cdr l) (cons (car l) b) a)))\n"
     "(define (merge a b)\n"
     "  (if (null? a) b (if (null? b) a\n"
     "    (if (< (car b) (car a)) (cons (car b) (merge a (cdr b))) (cons (car a) (merge (cdr a) b))))))\n"
     "(define (msort l) (if (null? l) l (if (null? (cdr l)) l\n"
     "  (let ((halves (split l '() '()))) (merge (msort (car halves)) (msort (cdr halves)))))))\n"
     "(define (sorted? l) (if (null? l) t (if (null? (cdr l)) t (if (> (car l) (car (cdr l))) '() (sorted? (cdr "
     "l))))))\n"
     "(define (sum l acc) (if (null? l) acc (sum (cdr l) (+ acc (car l)))))\n"
     "(define (check l) (if (sorted? l) (sum l 0) (- 0 1)))\n"
     "(define (loop i acc) (if (= i 0) acc (loop (- i 1) (+ (* acc 31) (check (msort (rand-list 400 (+ i seed) "
     "'())))))))\n"
     "(loop n 7)\n"
     "(msort (list 5 3 9 1 7))\n",
     {6, 40, 160}},
    {"closures",
     "; Closures made and called in a tail loop: adders, composition, map, fold,\n"
     "; and a counter kept in a closure's environment with set!.\n"
     "(define (compose f g) (lambda (x) (f (g x))))\n"
     "(define (adder k) (lambda (x) (+ x k)))\n"
     "(define (map f l) (if (null? l) l (cons (f (car l)) (map f (cdr l)))))\n"
     "(define (fold f acc l) (if (null? l) acc (fold f (f acc (car l)) (cdr l))))\n"
     "(define (iota k acc) (if (= k 0) acc (iota (- k 1) (cons k acc))))\n"
     "(define (make-counter) (let ((c 0)) (lambda () (set! c (+ c 1)) c)))\n"
     "(define tick (make-counter))\n"
     "(define (run i acc)\n"
     "  (if (= i 0) acc\n"
     "    (run (- i 1) (+ acc (tick) (fold + 0 (map (compose (adder (mod (+ i seed) 97)) (adder 1)) (iota 150 "
     "'())))))))\n"
     "(run (* n 10) 0)\n"
     "(tick)\n",
     {6, 40, 160}},
};
enum { LISP_NPROGRAMS = sizeof lisp_programs / sizeof lisp_programs[0] };

#endif /* TRICOLOR_LISP_PROGRAMS_H */
