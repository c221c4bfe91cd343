// ismooth saliency INPUT --out F.png [--threshold T] [--soft S.png]
//
// The built-in salient-object detector (include/ismooth/apps/saliency.hpp):
// the binary foreground mask F (0/255 PNG) the background / foreground
// presets take, and optionally the soft map (0–255 grey). Outputs are
// checked before any work, so an error never leaves one written and not the
// other.
#include <cmath>
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/output_paths.hpp"
#include "ismooth/apps/saliency.hpp"
#include "ismooth/image_io.hpp"

namespace ismooth::cli {

void add_saliency_command(CLI::App& app, Action& action) {
  struct Args {
    std::string input, out, soft;
    double threshold = 0.5;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "saliency",
      "Detect the salient object (minimum barrier saliency, Zhang et al. 2015) and write its "
      "binary mask as a 0/255 PNG: the foreground mask F of the background/foreground presets");
  cmd->add_option("INPUT", args->input, "input image (PNG/JPEG)")->required();
  cmd->add_option("--out,-o", args->out, "output mask PNG (255 = salient)")->required();
  cmd->add_option("--threshold", args->threshold,
                  "salient where the soft map is above this, in [0, 1] (default 0.5, as the "
                  "smoothing paper's authors; 0.5 is Otsu's split of the map)");
  cmd->add_option("--soft", args->soft, "also write the soft map (0-255 grey) to this PNG/JPEG");
  cmd->callback([args, &action] {
    action = [args] {
      require(std::isfinite(args->threshold) && args->threshold >= 0 && args->threshold <= 1,
              "--threshold ", args->threshold, ": expected a number in [0, 1]");
      (void)detail::format_of(args->out, false);  // the mask: PNG only (save_mask)
      if (!args->soft.empty()) (void)detail::format_of(args->soft, true);
      check_outputs({{"--out", args->out}, {"--soft", args->soft}}, {{"INPUT", args->input}});
      const Image<float> input = load_image(args->input);
      const Plane<float> map = saliency_map(input);
      const Mask mask = saliency_mask(map, args->threshold);
      if (!args->soft.empty()) save_plane(map, args->soft, 255.0);
      save_mask(mask, args->out);
      std::size_t count = 0;
      for (auto v : mask) count += v;
      std::printf("salient: %zu of %zu pixels (%.2f%%) -> %s\n", count, mask.size(),
                  100.0 * double(count) / double(mask.size()), args->out.c_str());
      return 0;
    };
  });
}

}  // namespace ismooth::cli
