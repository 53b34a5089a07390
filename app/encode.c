/*
 * encode.c — the video writers (see encode.h).
 *
 * Y4M colour. Each pixel's luma, and each 2x2 block's chroma from the sum
 * of its four pixels (C420jpeg: chroma sited at the centre of the block,
 * which a box average is exactly), with the BT.709 matrix in limited
 * ("TV") range: Y in 16..235, Cb and Cr in 16..240. In 16.16 fixed point
 * (the coefficients are 0.2126/0.7152/0.0722 scaled by 219/255, and the
 * chroma rows by 224/255, rounded so each chroma row sums to zero and
 * greys get exactly 128):
 *     Y  = 16  + ( 11966 R + 40254 G +  4064 B) / 65536
 *     Cb = 128 + (- 6596 R - 22188 G + 28784 B) / 65536
 *     Cr = 128 + ( 28784 R - 26145 G -  2639 B) / 65536
 * rounded to nearest. The header says so to readers that look
 * (XCOLORRANGE=LIMITED); the .mp4 path asks ffmpeg for the same matrix
 * and range and tags the stream BT.709.
 *
 * ffmpeg. Started with posix_spawn (no shell, so any file name works),
 * reading raw frames from a pipe whose write end only this process holds
 * (O_CLOEXEC: the Boehm child of the recording must not keep it open, or
 * ffmpeg would never see the end of its input). Its stderr goes to a
 * temporary file, shown when it fails. SIGPIPE is ignored while it runs,
 * so a dead ffmpeg is a write error here, reported with its stderr.
 *
 * Holding ffmpeg. SIGSTOP stops all its threads (x264 encodes on several);
 * waitpid(WUNTRACED) returns once the whole process is stopped, and only
 * then does enc_hold return. The pid of a held ffmpeg is kept in a global
 * that an atexit handler and handlers for the fatal signals read: they
 * send it SIGCONT before this process goes, because a stopped process
 * whose parent dies stays stopped (unless its process group is orphaned,
 * which a script's run is not). The handlers are installed only while an
 * ffmpeg runs, never over a signal that was ignored (nohup), and then
 * re-raise the signal with its default action. Each span in which ffmpeg
 * may run, from SIGCONT to the confirmed stop or its exit, is logged as
 * the encoder's (turns.h); so is a held span in which its threads' CPU
 * time (schedstat) still grew, which would mean the stop did not hold.
 */
#include "encode.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SDL_image.h>

#include "turns.h"

extern char **environ;

/* The pid of the ffmpeg held stopped, or 0: read by the handlers. */
static volatile sig_atomic_t g_held_pid;
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS};
enum { NFATAL = sizeof fatal_signals / sizeof fatal_signals[0] };

struct encoder {
    enc_kind kind;
    int w, h, fps;
    long frames;
    /* .y4m */
    FILE *f;
    uint8_t *planes; /* Y, then Cb, then Cr */
    /* ffmpeg */
    pid_t pid;
    int pipe_fd;
    FILE *errf;
    struct sigaction old_pipe;
    struct sigaction old_fatal[NFATAL];
    bool held;
    bool reaped; /* waitpid already returned its exit; its status: */
    int exit_status;
    uint64_t released_at;       /* CLOCK_MONOTONIC ns when it last got the cores */
    uint64_t held_at, held_cpu; /* when it was last stopped, and its CPU time then */
    /* PNG directory */
    char dir[PATH_MAX];
};

/* ------------------------------------------------------------ checks */

static bool is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool enc_kind_of(const char *path, enc_kind *out, char *err, size_t errlen) {
    size_t n = strlen(path);
    if (n == 0) {
        snprintf(err, errlen, "-o: the output name is empty (valid: NAME.mp4, NAME.gif, NAME.y4m, or a directory)");
        return false;
    }
    if (is_dir(path) || path[n - 1] == '/') {
        *out = ENC_PNG_DIR;
        return true;
    }
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (dot && (!slash || dot > slash)) {
        if (!strcasecmp(dot, ".y4m")) return *out = ENC_Y4M, true;
        if (!strcasecmp(dot, ".mp4")) return *out = ENC_MP4, true;
        if (!strcasecmp(dot, ".gif")) return *out = ENC_GIF, true;
        snprintf(err, errlen,
                 "-o: '%s': unknown output type '%s' (valid: .mp4, .gif, .y4m, or a directory for numbered PNGs, "
                 "e.g. frames/)",
                 path, dot);
    } else {
        snprintf(err, errlen,
                 "-o: '%s' has no extension and is not a directory (valid: .mp4, .gif, .y4m, or a directory for "
                 "numbered PNGs: end the name with '/' to create one)",
                 path);
    }
    return false;
}

bool enc_needs_ffmpeg(enc_kind k) { return k == ENC_MP4 || k == ENC_GIF; }
bool enc_needs_even(enc_kind k) { return k == ENC_MP4 || k == ENC_Y4M; }

bool enc_check_output(const char *path, enc_kind k, char *err, size_t errlen) {
    if (k == ENC_PNG_DIR) {
        if (!is_dir(path) && mkdir(path, 0777) != 0) {
            snprintf(err, errlen, "-o: cannot create the directory '%s': %s", path, strerror(errno));
            return false;
        }
        if (access(path, W_OK | X_OK) != 0) {
            snprintf(err, errlen, "-o: cannot write into the directory '%s': %s", path, strerror(errno));
            return false;
        }
        return true;
    }
    bool existed = access(path, F_OK) == 0;
    FILE *f = fopen(path, "ab");
    if (!f) {
        snprintf(err, errlen, "-o: cannot write '%s': %s", path, strerror(errno));
        return false;
    }
    fclose(f);
    if (!existed) unlink(path); /* leave no empty file behind if rendering fails */
    return true;
}

bool enc_find_ffmpeg(char *out, size_t len) {
    const char *path = getenv("PATH");
    if (!path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen(path);
        /* An empty entry means the current directory. */
        int w = n ? snprintf(out, len, "%.*s/ffmpeg", (int)n, path) : snprintf(out, len, "./ffmpeg");
        if (w > 0 && (size_t)w < len && access(out, X_OK) == 0 && !is_dir(out)) return true;
        path += n + (colon ? 1 : 0);
    }
    return false;
}

/* ------------------------------------------------------------ y4m */

static void to_yuv420(const SDL_Surface *s, uint8_t *y, uint8_t *cb, uint8_t *cr) {
    int w = s->w, h = s->h;
    const uint8_t *base = s->pixels;
    for (int j = 0; j < h; j++) {
        const uint32_t *row = (const uint32_t *)(base + (size_t)j * (size_t)s->pitch);
        uint8_t *yo = y + (size_t)j * (size_t)w;
        for (int i = 0; i < w; i++) {
            uint32_t p = row[i];
            int32_t r = (int32_t)(p >> 16 & 0xff), g = (int32_t)(p >> 8 & 0xff), b = (int32_t)(p & 0xff);
            yo[i] = (uint8_t)(16 + ((11966 * r + 40254 * g + 4064 * b + 32768) >> 16));
        }
    }
    int cw = w / 2;
    for (int j = 0; j < h / 2; j++) {
        const uint32_t *r0 = (const uint32_t *)(base + (size_t)(2 * j) * (size_t)s->pitch);
        const uint32_t *r1 = (const uint32_t *)(base + (size_t)(2 * j + 1) * (size_t)s->pitch);
        for (int i = 0; i < cw; i++) {
            uint32_t q[4] = {r0[2 * i], r0[2 * i + 1], r1[2 * i], r1[2 * i + 1]};
            int64_t r = 0, g = 0, b = 0;
            for (int k = 0; k < 4; k++) r += q[k] >> 16 & 0xff, g += q[k] >> 8 & 0xff, b += q[k] & 0xff;
            /* Sums of four: divide by 4 * 65536. The bias keeps the
             * numerator positive, so the shift rounds to nearest. */
            const int64_t bias = (int64_t)128 << 18 | (int64_t)1 << 17;
            cb[(size_t)j * (size_t)cw + (size_t)i] = (uint8_t)((-6596 * r - 22188 * g + 28784 * b + bias) >> 18);
            cr[(size_t)j * (size_t)cw + (size_t)i] = (uint8_t)((28784 * r - 26145 * g - 2639 * b + bias) >> 18);
        }
    }
}

/* ------------------------------------------------------------ ffmpeg */

static void continue_held(void) {
    pid_t p = (pid_t)g_held_pid;
    if (p > 0) kill(p, SIGCONT);
}

static void on_fatal(int sig) {
    continue_held();
    signal(sig, SIG_DFL);
    raise(sig); /* blocked until this handler returns, then the default action */
}

static void install_handlers(encoder *e) {
    static bool at_exit_set;
    if (!at_exit_set) at_exit_set = atexit(continue_held) == 0;
    struct sigaction sa = {.sa_handler = on_fatal};
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < NFATAL; i++) {
        sigaction(fatal_signals[i], NULL, &e->old_fatal[i]);
        if (e->old_fatal[i].sa_handler != SIG_IGN) sigaction(fatal_signals[i], &sa, NULL);
    }
}

static void restore_handlers(encoder *e) {
    for (int i = 0; i < NFATAL; i++)
        if (e->old_fatal[i].sa_handler != SIG_IGN) sigaction(fatal_signals[i], &e->old_fatal[i], NULL);
}

static bool wait_ffmpeg(encoder *e, char *err, size_t errlen);

/* The CPU time ffmpeg's threads have used, in ns (/proc/PID/task/T/
 * schedstat, first field); 0 if it cannot be read. */
static uint64_t cpu_ns(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d) return 0;
    uint64_t sum = 0;
    struct dirent *t;
    while ((t = readdir(d))) {
        if (t->d_name[0] == '.') continue;
        char stat_path[128];
        snprintf(stat_path, sizeof stat_path, "/proc/%d/task/%.20s/schedstat", (int)pid, t->d_name);
        FILE *f = fopen(stat_path, "r");
        unsigned long long ns;
        if (f && fscanf(f, "%llu", &ns) == 1) sum += ns;
        if (f) fclose(f);
    }
    closedir(d);
    return sum;
}

bool enc_hold(encoder *e, char *err, size_t errlen) {
    if (e->pid <= 0 || e->held) return true;
    g_held_pid = e->pid; /* before the stop: a signal in between still continues it */
    e->held = true;
    kill(e->pid, SIGSTOP);
    int st;
    pid_t r;
    while ((r = waitpid(e->pid, &st, WUNTRACED)) < 0 && errno == EINTR) {}
    e->held_at = turns_now();
    turns_log(TURN_ENCODE, e->released_at, e->held_at);
    if (r == e->pid && WIFSTOPPED(st)) {
        if (turns_on()) e->held_cpu = cpu_ns(e->pid);
        return true;
    }
    g_held_pid = 0;
    e->held = false;
    if (r != e->pid) {
        snprintf(err, errlen, "lost track of ffmpeg: %s", strerror(errno));
        return false;
    }
    /* It ended before it could be stopped: say how, with its stderr. */
    e->reaped = true;
    e->exit_status = st;
    if (wait_ffmpeg(e, err, errlen)) snprintf(err, errlen, "ffmpeg exited before frame %ld", e->frames + 1);
    return false;
}

void enc_release(encoder *e) {
    if (!e->held) return;
    e->released_at = turns_now();
    /* Not taken on trust: if ffmpeg used CPU time while held, it ran
     * beside the measured work, and the trace says so. */
    if (turns_on() && cpu_ns(e->pid) > e->held_cpu) turns_log(TURN_ENCODE, e->held_at, e->released_at);
    kill(e->pid, SIGCONT);
    e->held = false;
    g_held_pid = 0;
}

static bool start_ffmpeg(encoder *e, const char *path, char *err, size_t errlen) {
    char exe[PATH_MAX];
    if (!enc_find_ffmpeg(exe, sizeof exe)) {
        snprintf(err, errlen, "ffmpeg not found on PATH");
        return false;
    }
    char size[32], rate[16];
    snprintf(size, sizeof size, "%dx%d", e->w, e->h);
    snprintf(rate, sizeof rate, "%d", e->fps);
    /* ARGB8888 pixels are 32-bit words; in memory that is B,G,R,A on a
     * little-endian machine. */
    const char *pix = SDL_BYTEORDER == SDL_LIL_ENDIAN ? "bgra" : "argb";
    const char *args[64];
    int n = 0;
    const char *head[] = {
        "ffmpeg", "-hide_banner", "-loglevel", "error",      "-nostats", "-y", "-f", "rawvideo", "-pixel_format",
        pix,      "-video_size",  size,        "-framerate", rate,       "-i", "-"};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) args[n++] = head[i];
    if (e->kind == ENC_MP4) {
        const char *tail[] = {"-vf",
                              "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
                              "-c:v",
                              "libx264",
                              "-preset",
                              "veryfast",
                              "-crf",
                              "18",
                              "-colorspace",
                              "bt709",
                              "-color_primaries",
                              "bt709",
                              "-color_trc",
                              "bt709",
                              "-color_range",
                              "tv",
                              "-movflags",
                              "+faststart"};
        for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) args[n++] = tail[i];
    } else {
        /* A palette per frame (stats_mode=single, new=1): nothing is held
         * back until the end, so memory stays flat however long the GIF. */
        const char *tail[] = {
            "-vf", "split[a][b];[a]palettegen=stats_mode=single[p];[b][p]paletteuse=new=1:dither=none", "-loop", "0"};
        for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) args[n++] = tail[i];
    }
    args[n++] = path;
    args[n] = NULL;

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot make a pipe to ffmpeg: %s", strerror(errno));
        return false;
    }
    e->errf = tmpfile();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (e->errf) posix_spawn_file_actions_adddup2(&fa, fileno(e->errf), 2);
    int rc = posix_spawn(&e->pid, exe, &fa, NULL, (char *const *)args, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[0]);
    if (rc != 0) {
        close(fds[1]);
        snprintf(err, errlen, "cannot start %s: %s", exe, strerror(rc));
        return false;
    }
    e->pipe_fd = fds[1];
    e->released_at = turns_now();
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigaction(SIGPIPE, &ign, &e->old_pipe);
    install_handlers(e);
    return true;
}

/* Appends the end of ffmpeg's stderr (its own explanation) to err. */
static void ffmpeg_said(encoder *e, char *err, size_t errlen) {
    if (!e->errf) return;
    char buf[600];
    long end = (fseek(e->errf, 0, SEEK_END), ftell(e->errf));
    long from = end > (long)sizeof buf - 1 ? end - (long)sizeof buf + 1 : 0;
    fseek(e->errf, from, SEEK_SET);
    size_t n = fread(buf, 1, sizeof buf - 1, e->errf);
    buf[n] = 0;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = 0;
    size_t used = strlen(err);
    if (n && used + 1 < errlen) snprintf(err + used, errlen - used, "; ffmpeg said:\n%s", buf);
}

/* Waits for ffmpeg; false with its exit status and its stderr in err unless it exited 0. */
static bool wait_ffmpeg(encoder *e, char *err, size_t errlen) {
    enc_release(e); /* a held ffmpeg would never exit */
    int st = e->exit_status;
    pid_t r = e->pid;
    if (!e->reaped)
        while ((r = waitpid(e->pid, &st, 0)) < 0 && errno == EINTR) {}
    turns_log(TURN_ENCODE, e->released_at, turns_now());
    e->pid = 0;
    sigaction(SIGPIPE, &e->old_pipe, NULL);
    restore_handlers(e);
    if (r < 0) {
        snprintf(err, errlen, "lost track of ffmpeg: %s", strerror(errno));
        return false;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return true;
    if (WIFEXITED(st))
        snprintf(err, errlen, "ffmpeg failed (exit status %d)", WEXITSTATUS(st));
    else
        snprintf(err, errlen, "ffmpeg was killed (signal %d)", WTERMSIG(st));
    ffmpeg_said(e, err, errlen);
    return false;
}

static bool write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

/* ------------------------------------------------------------ the writer */

encoder *enc_open(const char *path, enc_kind k, int w, int h, int fps, char *err, size_t errlen) {
    encoder *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->kind = k;
    e->w = w;
    e->h = h;
    e->fps = fps;
    e->pipe_fd = -1;
    switch (k) {
    case ENC_Y4M:
        e->planes = malloc((size_t)w * (size_t)h * 3 / 2);
        e->f = e->planes ? fopen(path, "wb") : NULL;
        if (!e->f) {
            snprintf(err, errlen, "cannot write '%s': %s", path, e->planes ? strerror(errno) : "out of memory");
            free(e->planes);
            free(e);
            return NULL;
        }
        /* C420jpeg: 4:2:0, chroma centred in each 2x2 block; progressive,
         * square pixels. */
        fprintf(e->f, "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg XYSCSS=420JPEG XCOLORRANGE=LIMITED\n", w, h, fps);
        break;
    case ENC_MP4:
    case ENC_GIF:
        if (!start_ffmpeg(e, path, err, errlen)) {
            if (e->errf) fclose(e->errf);
            free(e);
            return NULL;
        }
        break;
    case ENC_PNG_DIR: {
        size_t n = strlen(path);
        snprintf(e->dir, sizeof e->dir, "%.*s", (int)(n > 1 && path[n - 1] == '/' ? n - 1 : n), path);
        break;
    }
    }
    return e;
}

bool enc_frame(encoder *e, SDL_Surface *frame, char *err, size_t errlen) {
    if (frame->w != e->w || frame->h != e->h || frame->format->format != SDL_PIXELFORMAT_ARGB8888) {
        snprintf(err, errlen, "internal error: a %dx%d frame for a %dx%d ARGB8888 video", frame->w, frame->h, e->w,
                 e->h);
        return false;
    }
    e->frames++;
    switch (e->kind) {
    case ENC_Y4M: {
        size_t np = (size_t)e->w * (size_t)e->h;
        to_yuv420(frame, e->planes, e->planes + np, e->planes + np + np / 4);
        if (fputs("FRAME\n", e->f) < 0 || fwrite(e->planes, 1, np * 3 / 2, e->f) != np * 3 / 2) {
            snprintf(err, errlen, "cannot write frame %ld: %s", e->frames, strerror(errno));
            return false;
        }
        return true;
    }
    case ENC_MP4:
    case ENC_GIF: {
        const uint8_t *p = frame->pixels;
        size_t row = (size_t)e->w * 4;
        bool ok = true;
        if ((size_t)frame->pitch == row) {
            ok = write_all(e->pipe_fd, p, row * (size_t)e->h);
        } else {
            for (int j = 0; j < e->h && ok; j++) ok = write_all(e->pipe_fd, p + (size_t)j * (size_t)frame->pitch, row);
        }
        if (!ok) {
            int why = errno;
            close(e->pipe_fd);
            e->pipe_fd = -1;
            if (wait_ffmpeg(e, err, errlen))
                snprintf(err, errlen, "ffmpeg stopped reading at frame %ld (%s)", e->frames, strerror(why));
            return false;
        }
        return true;
    }
    case ENC_PNG_DIR: {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/frame_%06ld.png", e->dir, e->frames);
        if (IMG_SavePNG(frame, path) != 0) {
            snprintf(err, errlen, "cannot write '%s': %s", path, IMG_GetError());
            return false;
        }
        return true;
    }
    }
    return false;
}

bool enc_close(encoder *e, char *err, size_t errlen) {
    bool ok = true;
    if (e->f && fclose(e->f) != 0) {
        snprintf(err, errlen, "cannot finish the file: %s", strerror(errno));
        ok = false;
    }
    if (e->pipe_fd >= 0) close(e->pipe_fd);
    if (e->pid > 0 && !wait_ffmpeg(e, err, errlen)) ok = false;
    if (e->errf) fclose(e->errf);
    free(e->planes);
    free(e);
    return ok;
}
