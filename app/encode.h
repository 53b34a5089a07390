/*
 * encode.h — the video writers of `tricolor record`: frames in, a file out.
 *
 * The output's kind follows its name:
 *   .y4m    YUV4MPEG2, written here with no dependency: 4:2:0 (C420jpeg),
 *           BT.709 limited range (see encode.c for the arithmetic);
 *   .mp4    H.264, yuv420p, BT.709, through the ffmpeg program on a pipe;
 *   .gif    through ffmpeg too, a palette per frame;
 *   a directory (one that exists, or a name ending in '/'): numbered PNGs,
 *           frame_000001.png, ... (SDL2_image).
 * Frames are SDL surfaces in SDL_PIXELFORMAT_ARGB8888, all of the size
 * given to enc_open.
 *
 * ffmpeg is a child process that encodes while the caller does other
 * work; enc_hold and enc_release take it off the cores and give them
 * back, so that it never runs beside a measured slice.
 *
 * Everything that can be checked before rendering starts is a separate
 * call (enc_kind_of, enc_check_output, enc_find_ffmpeg), so a recording
 * never renders for minutes and then fails on a bad name.
 */
#ifndef TRICOLOR_ENCODE_H
#define TRICOLOR_ENCODE_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum enc_kind { ENC_Y4M, ENC_MP4, ENC_GIF, ENC_PNG_DIR } enc_kind;

/* The kind of output `path` names; false with a message naming the valid
 * kinds if it names none. */
bool enc_kind_of(const char *path, enc_kind *out, char *err, size_t errlen);
/* Whether the kind is written through ffmpeg. */
bool enc_needs_ffmpeg(enc_kind k);
/* Whether the kind needs even sizes (4:2:0 chroma). */
bool enc_needs_even(enc_kind k);
/* Checks that the output can be written (a file: it can be created or
 * overwritten, and is left as it was; a directory: it exists or is
 * created, and is writable). False with a message. */
bool enc_check_output(const char *path, enc_kind k, char *err, size_t errlen);
/* Finds the ffmpeg program on $PATH; false if it is not there. */
bool enc_find_ffmpeg(char *out, size_t len);

typedef struct encoder encoder;

/* Opens the output for w x h frames at fps frames a second (starting
 * ffmpeg if the kind needs it). NULL with a message on failure. */
encoder *enc_open(const char *path, enc_kind k, int w, int h, int fps, char *err, size_t errlen);
/* Appends one frame. False with a message (ffmpeg died, disk full, ...). */
bool enc_frame(encoder *e, SDL_Surface *frame, char *err, size_t errlen);
/* ffmpeg's turns. enc_hold stops ffmpeg (SIGSTOP) and returns once it is
 * stopped, so the measured work that follows shares no core with the
 * encoder; enc_release lets it run again (SIGCONT). Both do nothing for
 * outputs written in this process (.y4m, PNGs), whose encoding is part of
 * the frame's own turn. enc_hold is false with a message if ffmpeg has
 * died. While ffmpeg is held, exit() or a fatal signal (SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS) continues it first, so a
 * stopped ffmpeg is never left behind: it sees the end of its input (and
 * the signal, if it was sent to the group) and finishes. */
bool enc_hold(encoder *e, char *err, size_t errlen);
void enc_release(encoder *e);
/* Finishes the output (closes the file, or closes ffmpeg's input and
 * checks its exit status) and frees e. False with a message if the output
 * is not complete. */
bool enc_close(encoder *e, char *err, size_t errlen);

#endif
