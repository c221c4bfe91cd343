// The oneDNN engine's building blocks, one layer at a time, against the
// PyTorch reference in float64: dilated, strided, transposed and 1×1
// convolutions (forward, backward data, backward weights) and per-image batch
// normalisation (forward and backward, with the residual add and ReLU).
#include <doctest/doctest.h>
#include <omp.h>

#include <fstream>
#include <sstream>

#include "onednn/cpu_kernels.hpp"
#include "network_test_support.hpp"
#include "onednn/onednn_conv.hpp"

namespace {

using ismooth::network::Extent;
using ismooth::network::LayerKind;
using ismooth::network::LayerRole;
using ismooth::network::LayerSpec;
using namespace ismooth::network::detail;
using namespace ismooth::test;

constexpr double kTolerance = 1e-4;  // relative, fp32 against float64

std::vector<float> to_nhwc(const std::vector<float>& planar, int channels, Extent e) {
  std::vector<float> out(planar.size());
  planar_to_channels_last(planar.data(), std::size_t(e.height) * e.width, channels, 0.0f,
                          out.data());
  return out;
}

std::vector<float> to_planar(const float* nhwc, int channels, Extent e) {
  std::vector<float> out(std::size_t(channels) * e.height * e.width);
  channels_last_to_planar(nhwc, std::size_t(e.height) * e.width, channels, nullptr, out.data());
  return out;
}

dnnl::memory make_memory(const dnnl::engine& engine, int channels, Extent e,
                         const std::vector<float>& planar) {
  dnnl::memory m(activation_desc(channels, e), engine);
  const std::vector<float> nhwc = to_nhwc(planar, channels, e);
  std::copy(nhwc.begin(), nhwc.end(), data_of(m));
  return m;
}

// Runs one layer forward and backward in oneDNN and in PyTorch; compares y,
// dL/dx, dL/dW (and dL/db) for L = Σ gy·y. With `accumulate` the backward
// data adds to a buffer holding `prior`, as the residual block does.
void check_conv_layer(const LayerSpec& spec, Extent image, bool accumulate = false) {
  CAPTURE(spec.number);
  CAPTURE(spec.stride);
  CAPTURE(spec.dilation);
  CAPTURE(image.height);
  CAPTURE(image.width);
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  ConvLayer layer(engine, spec, image);
  layer.build_backward(true, accumulate);
  std::vector<char> scratch(layer.scratchpad_bytes() + 64);
  void* aligned = reinterpret_cast<void*>((reinterpret_cast<std::uintptr_t>(scratch.data()) + 63) &
                                          ~std::uintptr_t(63));
  layer.bind_scratchpad(aligned);

  const Extent in = layer.input_extent(), out = layer.output_extent();
  const int cin = spec.in_channels, cout = spec.out_channels, k = spec.kernel;
  const std::size_t n_in = std::size_t(cin) * in.height * in.width;
  const std::size_t n_out = std::size_t(cout) * out.height * out.width;
  const std::size_t n_w = std::size_t(cin) * cout * k * k;
  const auto x = random_values(n_in, 1, -1, 1);
  const auto w = random_values(n_w, 2, -0.5, 0.5);
  const auto b = random_values(cout, 3, -0.5, 0.5);
  const auto gy = random_values(n_out, 4, -1, 1);
  const auto prior = random_values(n_in, 5, -1, 1);

  layer.set_weights(stream, w.data(), b.data());
  layer.set_backward_weights(stream, w.data());
  const dnnl::memory xm = make_memory(engine, cin, in, x);
  const dnnl::memory ym(activation_desc(cout, out), engine);
  layer.forward(stream, xm, ym);
  const dnnl::memory gym = make_memory(engine, cout, out, gy);
  const dnnl::memory gxm =
      make_memory(engine, cin, in, accumulate ? prior : std::vector<float>(n_in));
  layer.backward_data(stream, gym, gxm);
  std::vector<float> gw(n_w), gb(cout, 0.0f);
  layer.backward_weights(stream, xm, gym);
  layer.get_weight_gradients(stream, gw.data(), gb.data());
  stream.wait();
  const std::vector<float> y = to_planar(data_of(ym), cout, out);
  std::vector<float> gx = to_planar(data_of(gxm), cin, in);
  if (accumulate)
    for (std::size_t i = 0; i < n_in; ++i) gx[i] -= prior[i];

  TempDir dir("layer");
  std::ofstream(dir / "spec.json")
      << "{\"op\": \"" << (spec.kind == LayerKind::transposed_convolution ? "deconv" : "conv")
      << "\", \"in_channels\": " << cin << ", \"out_channels\": " << cout << ", \"kernel\": " << k
      << ", \"stride\": " << spec.stride << ", \"dilation\": " << spec.dilation
      << ", \"padding\": " << spec.padding << ", \"H\": " << in.height << ", \"W\": " << in.width
      << ", \"out_h\": " << out.height << ", \"out_w\": " << out.width
      << ", \"bias\": " << (layer.has_bias() ? "true" : "false") << "}";
  write_f32(dir / "x.f32", x);
  write_f32(dir / "w.f32", w);
  write_f32(dir / "b.f32", b);
  write_f32(dir / "gy.f32", gy);
  run_reference("layer", dir.path);

  CHECK(relative_error(y.data(), read_f64(dir / "y.f64", n_out)) < kTolerance);
  CHECK(relative_error(gx.data(), read_f64(dir / "grad_x.f64", n_in)) < kTolerance);
  CHECK(relative_error(gw.data(), read_f64(dir / "grad_w.f64", n_w)) < kTolerance);
  // Layers followed by BN run without their bias (it cancels there), so the
  // reference gets a bias only where we fuse one.
  if (layer.has_bias())
    CHECK(relative_error(gb.data(), read_f64(dir / "grad_b.f64", cout)) < kTolerance);
}

LayerSpec conv(int cin, int cout, int dilation, int stride = 1, bool half_input = false) {
  LayerSpec s;
  s.number = 7;
  s.role = LayerRole::block_first;
  s.in_channels = cin;
  s.out_channels = cout;
  s.dilation = dilation;
  s.padding = dilation;
  s.stride = stride;
  s.half_resolution_input = half_input;
  return s;
}

}  // namespace

TEST_CASE("onednn layers: dilated 3x3 convolutions match PyTorch") {
  ISMOOTH_REQUIRE_TORCH();
  check_conv_layer(conv(8, 8, 1), {12, 10});
  check_conv_layer(conv(8, 8, 2), {11, 9});
  // Dilation above the image size: most taps fall into the padding.
  check_conv_layer(conv(16, 16, 8), {10, 13});
  check_conv_layer(conv(5, 7, 16, 1), {18, 17});
  // First conv of a residual block: backward data adds to the skip gradient.
  check_conv_layer(conv(8, 8, 4), {9, 14}, /*accumulate=*/true);
  // The paper's width with dilations beyond the image (half of 21 x 18).
  for (int d : {8, 16}) {
    check_conv_layer(conv(64, 64, d), {11, 9});
    check_conv_layer(conv(64, 64, d), {11, 9}, true);
  }
}

TEST_CASE("onednn layers: the stride-2 convolution gives ceil(H/2) and matches PyTorch") {
  ISMOOTH_REQUIRE_TORCH();
  LayerSpec s = conv(8, 8, 1, 2);
  s.role = LayerRole::plain;
  for (Extent image : {Extent{12, 10}, Extent{11, 9}, Extent{7, 8}, Extent{1, 1}}) {
    CHECK(s.output_extent(image) == ismooth::network::half_extent(image));
    check_conv_layer(s, image);
  }
}

TEST_CASE("onednn layers: the transposed 4x4 stride-2 convolution, cropped to H x W") {
  ISMOOTH_REQUIRE_TORCH();
  LayerSpec s;
  s.number = 24;
  s.kind = LayerKind::transposed_convolution;
  s.in_channels = 8;
  s.out_channels = 6;
  s.kernel = 4;
  s.stride = 2;
  s.padding = 1;
  s.half_resolution_input = true;
  for (Extent image : {Extent{12, 10}, Extent{11, 9}, Extent{8, 7}, Extent{1, 2}}) {
    CHECK(s.output_extent(image) == image);
    check_conv_layer(s, image);
  }
}

TEST_CASE("onednn layers: first (3 -> C) and output (1x1 with bias) convolutions") {
  ISMOOTH_REQUIRE_TORCH();
  LayerSpec first = conv(3, 8, 1);
  first.role = LayerRole::plain;
  check_conv_layer(first, {9, 11});
  LayerSpec out;
  out.number = 10;
  out.role = LayerRole::output;
  out.in_channels = 8;
  out.out_channels = 3;
  out.kernel = 1;
  out.padding = 0;
  check_conv_layer(out, {9, 11});
}

namespace {

// Per-image BN (+ skip) (+ ReLU) through our kernels and through PyTorch's
// training-mode batch_norm, forward and backward.
void check_batch_norm(int channels, Extent e, bool skip, bool relu, double offset) {
  CAPTURE(channels);
  CAPTURE(skip);
  CAPTURE(relu);
  CAPTURE(offset);
  const std::size_t pixels = std::size_t(e.height) * e.width, n = pixels * channels;
  std::vector<float> x = random_values(n, 11, -2, 2);
  for (float& v : x) v += float(offset);
  const auto gamma = random_values(channels, 12, 0.5, 1.5);
  const auto beta = random_values(channels, 13, -0.5, 0.5);
  const auto s = random_values(n, 14, -1, 1);
  const auto gy = random_values(n, 15, -1, 1);
  const float eps = 1e-5f;

  const std::vector<float> xn = to_nhwc(x, channels, e), sn = to_nhwc(s, channels, e);
  std::vector<float> mean(channels), inv_std(channels), scale(channels), yn(n);
  bn_statistics(xn.data(), pixels, channels, eps, mean.data(), inv_std.data());
  for (int c = 0; c < channels; ++c) scale[c] = gamma[c] * inv_std[c];
  bn_apply(xn.data(), pixels, channels, mean.data(), scale.data(), beta.data(),
           skip ? sn.data() : nullptr, relu, yn.data());
  std::vector<float> g = to_nhwc(gy, channels, e), gxn(n), dgamma(channels), dbeta(channels);
  bn_backward(g.data(), relu ? yn.data() : nullptr, xn.data(), pixels, channels, mean.data(),
              inv_std.data(), gamma.data(), gxn.data(), dgamma.data(), dbeta.data());

  TempDir dir("bn");
  std::ofstream(dir / "spec.json")
      << "{\"op\": \"bn\", \"in_channels\": " << channels << ", \"out_channels\": " << channels
      << ", \"H\": " << e.height << ", \"W\": " << e.width << ", \"eps\": " << eps
      << ", \"skip\": " << (skip ? "true" : "false") << ", \"relu\": " << (relu ? "true" : "false")
      << "}";
  write_f32(dir / "x.f32", x);
  write_f32(dir / "gamma.f32", gamma);
  write_f32(dir / "beta.f32", beta);
  write_f32(dir / "skip.f32", s);
  write_f32(dir / "gy.f32", gy);
  run_reference("layer", dir.path);
  CHECK(relative_error(to_planar(yn.data(), channels, e).data(), read_f64(dir / "y.f64", n)) <
        kTolerance);
  CHECK(relative_error(to_planar(gxn.data(), channels, e).data(), read_f64(dir / "grad_x.f64", n)) <
        kTolerance);
  CHECK(relative_error(dgamma.data(), read_f64(dir / "grad_gamma.f64", channels)) < kTolerance);
  CHECK(relative_error(dbeta.data(), read_f64(dir / "grad_beta.f64", channels)) < kTolerance);
  if (skip) {
    // On return g holds the masked gradient, which is the skip's gradient.
    CHECK(relative_error(to_planar(g.data(), channels, e).data(),
                         read_f64(dir / "grad_skip.f64", n)) < kTolerance);
  }
}

}  // namespace

TEST_CASE("onednn layers: per-image batch normalisation matches PyTorch (training mode)") {
  ISMOOTH_REQUIRE_TORCH();
  check_batch_norm(8, {13, 11}, false, true, 0.0);
  check_batch_norm(8, {13, 11}, true, true, 0.0);
  check_batch_norm(5, {40, 37}, false, false, 0.0);
  // Many blocks of partial sums, and a mean far from zero (cancellation).
  check_batch_norm(16, {61, 70}, true, true, 300.0);
}

TEST_CASE("onednn layers: BN statistics do not depend on the thread count") {
  const int c = 16;
  const std::size_t pixels = 5000;
  const auto x = random_values(pixels * c, 21, -3, 5);
  std::vector<float> m1(c), s1(c), m2(c), s2(c);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  bn_statistics(x.data(), pixels, c, 1e-5f, m1.data(), s1.data());
  omp_set_num_threads(std::max(2, threads));
  bn_statistics(x.data(), pixels, c, 1e-5f, m2.data(), s2.data());
  omp_set_num_threads(threads);
  CHECK(m1 == m2);
  CHECK(s1 == s2);
}
