#pragma once
// Internal: JPEG decoding and encoding through libjpeg(-turbo). Include
// "ismooth/image_io.hpp" instead; it owns the contract (formats, limits,
// messages) and calls these in phases.
//
// Why it looks like this: libjpeg reports errors through error_exit, which
// must not return; ours longjmps back to the setjmp in the function that
// called libjpeg. A longjmp skips destructors, so setjmp sits only in the
// small functions marked "longjmp-safe" below: they hold plain data (the C
// structs in JpegDecoder/JpegEncoder), no C++ object with a destructor is
// alive in them, nothing they call throws, and after a longjmp they only
// return false. The pixel buffer is allocated by the C++ caller between
// phases, and the caller's cleanup objects destroy libjpeg's state.
//
// libjpeg's *warnings* are corrupt data it decodes past: "Premature end of
// JPEG file" (it then invents grey pixels), bad Huffman codes, markers inside
// entropy data. We make every warning an error, except an unknown JFIF
// version number, which concerns metadata only.

// jpeglib.h uses FILE and size_t without including their headers.
#include <cstddef>
#include <cstdio>
// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include <csetjmp>
#include <cstdint>
#include <cstdlib>

namespace ismooth::detail {

/// Where error_exit jumps to, and what it says. Reached via client_data.
struct JpegFailure {
  std::jmp_buf jump;
  int code = 0;  // libjpeg's J_MESSAGE_CODE, e.g. JWRN_JPEG_EOF
  bool scan_limit = false;
  char message[JMSG_LENGTH_MAX] = {};
};

[[noreturn]] inline void jpeg_on_error(j_common_ptr cinfo) {
  auto& failure = *static_cast<JpegFailure*>(cinfo->client_data);
  failure.code = cinfo->err->msg_code;
  (*cinfo->err->format_message)(cinfo, failure.message);
  std::longjmp(failure.jump, 1);
}

/// level < 0 is a warning (corrupt data), ≥ 0 a trace message.
inline void jpeg_on_message(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code != JWRN_JFIF_MAJOR) jpeg_on_error(cinfo);
}

/// Progressive JPEGs may hold any number of scans, each a full pass over the
/// coefficients: a small file with thousands of scans takes minutes (the CPU
/// bomb libjpeg-turbo's own fuzzers and djpeg -maxscans guard against).
inline constexpr int kMaxJpegScans = 500;

inline void jpeg_on_progress(j_common_ptr cinfo) {
  if (!cinfo->is_decompressor) return;
  if (reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number <= kMaxJpegScans) return;
  auto& failure = *static_cast<JpegFailure*>(cinfo->client_data);
  failure.scan_limit = true;
  std::longjmp(failure.jump, 1);
}

inline void jpeg_install_handlers(jpeg_error_mgr& err, JpegFailure& failure, void*& client_data) {
  jpeg_std_error(&err);
  err.error_exit = jpeg_on_error;
  err.emit_message = jpeg_on_message;
  client_data = &failure;
}

/// libjpeg's state for one decode. Plain data only (see above).
struct JpegDecoder {
  jpeg_decompress_struct cinfo{};
  jpeg_error_mgr err{};
  jpeg_progress_mgr progress{};
  JpegFailure failure;
  bool created = false;
};

struct JpegDecoderCleanup {
  JpegDecoder& decoder;
  ~JpegDecoderCleanup() {
    if (decoder.created) jpeg_destroy_decompress(&decoder.cinfo);
  }
};

/// Longjmp-safe. Parses the markers up to the first scan (sizes, components)
/// without image-sized allocations. `max_memory` caps what libjpeg may
/// allocate later in libjpeg-turbo 3 (2.1 ignores it for the coefficient
/// buffer of progressive files, which image_io.hpp therefore checks itself).
inline bool jpeg_decode_header(JpegDecoder& decoder, const unsigned char* data, std::size_t size,
                               long max_memory) noexcept {
  jpeg_install_handlers(decoder.err, decoder.failure, decoder.cinfo.client_data);
  decoder.cinfo.err = &decoder.err;
  if (setjmp(decoder.failure.jump)) return false;
  jpeg_create_decompress(&decoder.cinfo);  // keeps err and client_data
  decoder.created = true;
  decoder.cinfo.mem->max_memory_to_use = max_memory;
  decoder.progress.progress_monitor = jpeg_on_progress;
  decoder.cinfo.progress = &decoder.progress;
  jpeg_mem_src(&decoder.cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&decoder.cinfo, TRUE);
  return true;
}

/// Longjmp-safe. Decodes grey or colour to interleaved RGB in `rgb`
/// (height·width·3 bytes, made by the caller), then reads on to the
/// end-of-image marker, so a file cut anywhere is an error. Whatever follows
/// that marker (a phone's motion-photo video) is never read.
inline bool jpeg_decode_pixels(JpegDecoder& decoder, std::uint8_t* rgb) noexcept {
  if (setjmp(decoder.failure.jump)) return false;
  decoder.cinfo.out_color_space = JCS_RGB;  // libjpeg-turbo replicates grey
  jpeg_start_decompress(&decoder.cinfo);
  if (decoder.cinfo.output_components != 3) ERREXIT(&decoder.cinfo, JERR_CONVERSION_NOTIMPL);
  const std::size_t stride = std::size_t{decoder.cinfo.output_width} * 3;
  while (decoder.cinfo.output_scanline < decoder.cinfo.output_height) {
    JSAMPROW row = rgb + std::size_t{decoder.cinfo.output_scanline} * stride;
    jpeg_read_scanlines(&decoder.cinfo, &row, 1);
  }
  jpeg_finish_decompress(&decoder.cinfo);
  return true;
}

/// libjpeg's state for one encode. Plain data only (see above).
struct JpegEncoder {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr err{};
  JpegFailure failure;
  bool created = false;
  unsigned char* buffer = nullptr;  // malloc'd by jpeg_mem_dest
  unsigned long size = 0;
};

struct JpegEncoderCleanup {
  JpegEncoder& encoder;
  ~JpegEncoderCleanup() {
    if (encoder.created) jpeg_destroy_compress(&encoder.cinfo);
    std::free(encoder.buffer);
  }
};

/// Longjmp-safe. Encodes interleaved 8-bit grey (1 channel) or RGB (3) into
/// encoder.buffer: baseline, standard tables, no chroma subsampling (4:4:4),
/// since smoothing is about edges and halving the chroma blurs coloured ones.
inline bool jpeg_encode_image(JpegEncoder& encoder, const std::uint8_t* pixels, std::uint32_t width,
                              std::uint32_t height, int channels, int quality) noexcept {
  jpeg_install_handlers(encoder.err, encoder.failure, encoder.cinfo.client_data);
  encoder.cinfo.err = &encoder.err;
  if (setjmp(encoder.failure.jump)) return false;
  jpeg_create_compress(&encoder.cinfo);
  encoder.created = true;
  jpeg_mem_dest(&encoder.cinfo, &encoder.buffer, &encoder.size);
  encoder.cinfo.image_width = width;
  encoder.cinfo.image_height = height;
  encoder.cinfo.input_components = channels;
  encoder.cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&encoder.cinfo);
  jpeg_set_quality(&encoder.cinfo, quality, TRUE);
  for (int c = 0; c < encoder.cinfo.num_components; ++c)
    encoder.cinfo.comp_info[c].h_samp_factor = encoder.cinfo.comp_info[c].v_samp_factor = 1;
  jpeg_start_compress(&encoder.cinfo, TRUE);
  const std::size_t stride = std::size_t{width} * static_cast<std::size_t>(channels);
  while (encoder.cinfo.next_scanline < encoder.cinfo.image_height) {
    // libjpeg's API is not const-correct; it only reads the row.
    JSAMPROW row = const_cast<std::uint8_t*>(pixels) + encoder.cinfo.next_scanline * stride;
    jpeg_write_scanlines(&encoder.cinfo, &row, 1);
  }
  jpeg_finish_compress(&encoder.cinfo);
  return true;
}

}  // namespace ismooth::detail
