/*
 * x_window.c — the window under a real X server (`make test-x`): a real
 * click opens a summary box, a real click on an object inspects it, and
 * `tricolor view` keeps every thread of its own but the workload's off
 * the measured CPU.
 *
 * Starts its own Xvfb (on a display no other server holds), opens an SDL
 * window at the screen's origin, draws a graph into it, and clicks a
 * pixel with xdotool: the click must arrive as an SDL mouse event at that
 * pixel, and graph_click on it must open the box, or select the object
 * whose slots the inspector then lists and draws, as `tricolor view`'s
 * mouse handler does (app/cmd_view.c -> scene_click).
 * Without Xvfb or xdotool it says so and fails: the deps script installs
 * both.
 */
#include "support.h"
#include "graph.h"
#include "inspector.h"
#include "palette.h"
#include "text.h"

#include <SDL.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { W = 480, H = 360 };

static pid_t xvfb;

/* Xvfb on the first display from :90 with no lock file, once its socket
 * is there. */
static int start_xvfb(void) {
    for (int d = 90; d < 130; d++) {
        char lock[64], sock[64], disp[16];
        snprintf(lock, sizeof lock, "/tmp/.X%d-lock", d);
        snprintf(sock, sizeof sock, "/tmp/.X11-unix/X%d", d);
        if (access(lock, F_OK) == 0 || access(sock, F_OK) == 0) continue;
        snprintf(disp, sizeof disp, ":%d", d);
        xvfb = fork();
        if (xvfb == 0) {
            freopen("/dev/null", "w", stderr);
            execlp("Xvfb", "Xvfb", disp, "-screen", "0", "800x600x24", "-nolisten", "tcp", (char *)NULL);
            _exit(127);
        }
        for (int i = 0; i < 100; i++) {
            if (access(sock, F_OK) == 0) {
                setenv("DISPLAY", disp, 1);
                return 0;
            }
            if (waitpid(xvfb, NULL, WNOHANG) == xvfb) break; /* it died: taken after all */
            usleep(50000);
        }
        xvfb = 0;
    }
    return -1;
}

static void stop_xvfb(void) {
    if (xvfb > 0) {
        kill(xvfb, SIGTERM);
        waitpid(xvfb, NULL, 0);
        xvfb = 0;
    }
}

/* Xvfb, then a borderless window at the screen's origin with a software
 * renderer; without xdotool or Xvfb the test fails saying so. */
static SDL_Renderer *open_window(const char *title, SDL_Window **win) {
    if (system("command -v xdotool >/dev/null 2>&1") != 0) fail_msg("xdotool not found (make deps installs it)");
    if (start_xvfb()) fail_msg("Xvfb did not start (make deps installs it)");
    setenv("SDL_VIDEODRIVER", "x11", 1);
    assert_int_equal(SDL_Init(SDL_INIT_VIDEO), 0);
    *win = SDL_CreateWindow(title, 0, 0, W, H, SDL_WINDOW_SHOWN | SDL_WINDOW_BORDERLESS);
    assert_non_null(*win);
    SDL_Renderer *r = SDL_CreateRenderer(*win, -1, SDL_RENDERER_SOFTWARE);
    assert_non_null(r);
    return r;
}

static void close_window(SDL_Window *win, SDL_Renderer *r) {
    SDL_DestroyRenderer(r);
    SDL_DestroyWindow(win);
    SDL_Quit();
    stop_xvfb();
}

/* Sends a real click at (x, y) and returns the SDL button event it
 * became (asserting it arrived there). */
static SDL_Event real_click(int x, int y) {
    for (int i = 0; i < 20; i++) { /* let the window map before clicking into it */
        SDL_PumpEvents();
        SDL_Delay(25);
    }
    SDL_FlushEvents(SDL_FIRSTEVENT, SDL_LASTEVENT);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "xdotool mousemove %d %d click 1", x, y);
    assert_int_equal(system(cmd), 0);
    for (int i = 0; i < 200; i++) {
        SDL_Event e;
        while (SDL_PollEvent(&e))
            if (e.type == SDL_MOUSEBUTTONDOWN) {
                assert_true(abs(e.button.x - x) <= 1 && abs(e.button.y - y) <= 1);
                return e;
            }
        SDL_Delay(10);
    }
    fail_msg("the click at (%d, %d) never arrived", x, y);
    return (SDL_Event){0};
}

/* Pixels of colour c in the window's rectangle, read back from it. */
static int count_pixels(SDL_Renderer *r, SDL_Rect rc, SDL_Color c) {
    static Uint32 buf[W * H];
    if (SDL_RenderReadPixels(r, &rc, SDL_PIXELFORMAT_ARGB8888, buf, rc.w * 4)) return -1;
    int n = 0;
    for (int i = 0; i < rc.w * rc.h; i++) n += (buf[i] & 0xffffff) == ((Uint32)c.r << 16 | (Uint32)c.g << 8 | c.b);
    return n;
}

static void test_a_click_opens_a_summary_box(void **state) {
    (void)state;
    SDL_Window *win;
    SDL_Renderer *r = open_window("x_window", &win);
    /* root -> array of 8, each holding one more object: with a budget of
     * 3, six of the array's children fold into a box under it. */
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *root = NULL;
    tc_root_add(h, &root);
    root = tc_alloc(h, 8, 0);
    for (uint32_t i = 0; i < 8; i++) {
        tc_store(h, root, i, tc_alloc(h, 1, 0));
        void *leaf = tc_alloc(h, 0, 8);
        tc_store(h, tc_load(h, root, i), 0, leaf);
    }
    graph g = {0};
    graph_sync(&g, h, 3);
    graph_ease(&g, 100);
    const gnode *box = NULL;
    for (size_t i = 0; i < g.n; i++)
        if (g.nodes[i].summary && g.nodes[i].parent >= 0 && g.nodes[g.nodes[i].parent].obj == root) box = &g.nodes[i];
    assert_non_null(box);
    assert_int_equal(box->count, 12);
    SDL_Rect area = {0, 0, W, H};
    SDL_SetRenderDrawColor(r, PAL_PANEL.r, PAL_PANEL.g, PAL_PANEL.b, 255);
    SDL_RenderClear(r);
    graph_draw(&g, r, area);
    SDL_RenderPresent(r);
    int bx = (int)(g.area.x + box->x * (float)g.area.w), by = (int)(g.area.y + box->y * (float)g.area.h);
    SDL_Event e = real_click(bx, by);
    assert_true(graph_click(&g, e.button.x, e.button.y));
    graph_sync(&g, h, 3);
    for (uint32_t i = 0; i < 8; i++) {
        void *c = tc_load(h, root, i);
        bool shown = false;
        for (size_t k = 0; k < g.n; k++) shown |= g.nodes[k].obj == c && g.nodes[k].alive;
        assert_true(shown);
    }
    graph_free(&g);
    tc_heap_free(h);
    close_window(win, r);
}

static void test_a_click_inspects_an_object(void **state) {
    (void)state;
    SDL_Window *win;
    SDL_Renderer *r = open_window("x_inspect", &win);
    char err[256];
    text *font = text_open(r, 13, err, sizeof err);
    if (!font) fail_msg("text_open: %s", err);
    /* root -> holder -> a, whose three slots hold three leaves. */
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *root = NULL;
    tc_root_add(h, &root);
    root = tc_alloc(h, 1, 0);
    tc_store(h, root, 0, tc_alloc(h, 3, 16));
    void *a = tc_load(h, root, 0);
    void *kids[3];
    for (uint32_t i = 0; i < 3; i++) tc_store(h, a, i, kids[i] = tc_alloc(h, 0, 8));
    graph g = {0};
    inspector in = {0};
    graph_sync(&g, h, 100);
    graph_ease(&g, 100);
    SDL_Rect area = {0, 0, W, H};
    SDL_SetRenderDrawColor(r, PAL_PANEL.r, PAL_PANEL.g, PAL_PANEL.b, 255);
    SDL_RenderClear(r);
    graph_draw(&g, r, area);
    SDL_RenderPresent(r);
    int ax, ay;
    assert_true(graph_node_pixel(&g, a, &ax, &ay));
    SDL_Event e = real_click(ax, ay);
    assert_true(graph_click(&g, e.button.x, e.button.y));
    assert_ptr_equal(g.selected, a);
    inspector_select(&in, g.selected);
    assert_true(inspector_sync(&in, h));
    assert_int_equal(in.nlisted, 3);
    for (uint32_t i = 0; i < 3; i++) assert_ptr_equal(in.target[i], kids[i]);
    SDL_RenderClear(r);
    graph_draw(&g, r, area);
    inspector_draw(&in, r, font, area, ax, ay);
    /* Read back before presenting: the ring around a, and the panel's text. */
    assert_true(count_pixels(r, (SDL_Rect){ax - 12, ay - 12, 24, 24}, PAL_SELECT) > 8);
    assert_true(in.box.w > 0);
    assert_true(count_pixels(r, in.box, PAL_TEXT) > 50);
    SDL_RenderPresent(r);
    text_close(font);
    graph_free(&g);
    tc_heap_free(h);
    close_window(win, r);
}

/* The measured runs take their turns on one CPU of their own, and the
 * window's process keeps everything else off it: the viewer, the memory
 * thread, and the threads SDL and its renderer start (docs/design.md
 * section 8). Under Xvfb SDL's GL renderer once started two llvmpipe
 * rasterizer threads before the window pinned itself, and they could run
 * beside the workload. Checked from outside, on the running process, a
 * few times over a second. */
static void test_view_threads_leave_the_measured_cpu(void **state) {
    (void)state;
    cpu_set_t all;
    if (sched_getaffinity(0, sizeof all, &all) != 0 || CPU_COUNT(&all) < 2) {
        print_message("one CPU: nothing is pinned, nothing to check\n");
        return;
    }
    int measured = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &all)) measured = c; /* the last, as viz/cpu_place.c takes it */
    if (start_xvfb()) fail_msg("Xvfb did not start (make deps installs it)");
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        setenv("SDL_VIDEODRIVER", "x11", 1);
        execl(tool_bin(), "tricolor", "view", "--workload", "gcbench", "--no-boehm", "--frames", "100000",
              (char *)NULL);
        _exit(127);
    }
    assert_true(pid > 0);
    int alone = 0, intruders = 0, threads = 0, looks = 0, bad_looks = 0;
    char who[256];
    for (int i = 0; i < 100 && looks < 10; i++) { /* up to 10 s for it to start */
        usleep(100000);
        threads_on_cpu(pid, measured, &threads, &alone, &intruders, who, sizeof who);
        if (alone == 0) continue; /* the workload thread is not running yet */
        looks++;
        assert_int_equal(alone, 1);
        if (intruders) {
            bad_looks++;
            print_message("threads that may run on the measured CPU %d:%s\n", measured, who);
        }
    }
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    stop_xvfb();
    if (looks < 10) fail_msg("the view's workload thread never ran on the measured CPU %d", measured);
    assert_true(threads >= 2);
    assert_int_equal(bad_looks, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_click_opens_a_summary_box),
        cmocka_unit_test(test_a_click_inspects_an_object),
        cmocka_unit_test(test_view_threads_leave_the_measured_cpu),
    };
    int rc = cmocka_run_group_tests_name("x_window", tests, NULL, NULL);
    stop_xvfb();
    return rc;
}
