// What Swift cannot import from FFmpeg's headers: function-like macros and macro constants.
#ifndef GAZE_CFFMPEG_SHIM_H
#define GAZE_CFFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

static inline int gaze_averror(int posix_error) { return AVERROR(posix_error); }
static const int GAZE_AVERROR_EOF = AVERROR_EOF;
static const int GAZE_AVERROR_EAGAIN = AVERROR(EAGAIN);
static const int GAZE_AVERROR_INVALIDDATA = AVERROR_INVALIDDATA;
static const int64_t GAZE_AV_NOPTS_VALUE = AV_NOPTS_VALUE;
static const int GAZE_AV_TIME_BASE = AV_TIME_BASE;

/// av_err2str is a macro over a compound literal; this is the same with a caller-owned buffer.
static inline const char *gaze_av_strerror(int code, char *buffer, size_t size) {
    av_strerror(code, buffer, size);
    return buffer;
}

#endif
