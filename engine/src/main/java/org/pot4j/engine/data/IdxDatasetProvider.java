package org.pot4j.engine.data;

import java.nio.file.Path;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.DatasetProvider;
import org.pot4j.api.data.Sample;
import org.pot4j.api.param.Required;

/**
 * {@code type: idx} — MNIST-style IDX files. Parameters: {@code images} (required; IDX of rank 2
 * {@code [N,F]}, 3 {@code [N,H,W]} or 4 {@code [N,H,W,C]}; {@code .gz} allowed), {@code labels}
 * (optional rank-1 integer IDX; each becomes an {@code Integer} annotation), {@code scale}
 * (default 1/255), {@code mean} (default 0) and {@code std} (default 1), each a number or one per
 * channel, giving {@code (raw * scale - mean) / std} as float32; {@code channels_first} (default
 * true: a sample is {@code [C,H,W]}, {@code [1,H,W]} for grey images; false: {@code [H,W,C]});
 * {@code input_name} (default {@code input}).
 */
public final class IdxDatasetProvider implements DatasetProvider<IdxDatasetProvider.Options> {

    @Override
    public String name() {
        return "idx";
    }

    @Override
    public Class<Options> parameters() {
        return Options.class;
    }

    @Override
    public Dataset open(Options o, Path baseDir) {
        Path imagesPath = DatasetFiles.existing("idx", "images", baseDir, o.images());
        Path labelsPath = DatasetFiles.existing("idx", "labels", baseDir, o.labels());
        double scale = o.scale();
        double[] mean = o.mean();
        double[] std = o.std();
        boolean channelsFirst = o.channelsFirst();
        String inputName = o.inputName();

        IdxFile images = IdxFile.read(imagesPath);
        int[] d = images.dims();
        if (d.length > 4) {
            throw DatasetFiles.invalid(imagesPath, "IDX images of rank " + d.length + " are not supported; expected [N,H,W], [N,H,W,C] or [N,F]");
        }
        int channels = d.length == 4 ? d[3] : 1;
        for (double[] perChannel : new double[][] {mean, std}) {
            if (perChannel.length != 1 && perChannel.length != channels) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "idx dataset: mean/std have " + perChannel.length
                        + " values but the images have " + channels + " channel(s)");
            }
        }
        for (double s : std) {
            if (s == 0) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "idx dataset: std must not be 0");
            }
        }
        int[] labels = null;
        if (labelsPath != null) {
            IdxFile l = IdxFile.read(labelsPath);
            if (l.dims().length != 1 || !l.integral()) {
                throw DatasetFiles.invalid(labelsPath, "IDX labels must be rank 1 integers, found dimensions "
                        + java.util.Arrays.toString(l.dims()));
            }
            if (l.count() != images.count()) {
                throw DatasetFiles.invalid(labelsPath, "count mismatch: " + l.count() + " labels for " + images.count()
                        + " images in " + imagesPath.getFileName());
            }
            labels = new int[l.count()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = (int) l.value(i, 0);
            }
        }
        return new IdxDataset(images, labels, scale, mean, std, channelsFirst, inputName);
    }

    private static final class IdxDataset implements Dataset {
        private final IdxFile images;
        private final int[] labels;
        private final double scale;
        private final double[] mean;
        private final double[] std;
        private final String inputName;
        private final long[] sampleShape;
        private final boolean transpose;
        private final int h;
        private final int w;
        private final int c;

        IdxDataset(IdxFile images, int[] labels, double scale, double[] mean, double[] std, boolean channelsFirst,
                   String inputName) {
            this.images = images;
            this.labels = labels;
            this.scale = scale;
            this.mean = mean;
            this.std = std;
            this.inputName = inputName;
            int[] d = images.dims();
            if (d.length == 1) {
                h = 1; w = 1; c = 1;
                sampleShape = new long[] {1};
            } else if (d.length == 2) {
                h = 1; w = d[1]; c = 1;
                sampleShape = new long[] {d[1]};
            } else {
                h = d[1];
                w = d[2];
                c = d.length == 4 ? d[3] : 1;
                sampleShape = channelsFirst ? new long[] {c, h, w} : new long[] {h, w, c};
            }
            this.transpose = channelsFirst && d.length == 4 && c > 1;
        }

        @Override
        public int size() {
            return images.count();
        }

        @Override
        public Sample get(int index) {
            if (index < 0 || index >= size()) {
                throw new IndexOutOfBoundsException(index);
            }
            int n = h * w * c;
            float[] out = new float[n];
            for (int e = 0; e < n; e++) {
                int ch = e % c;
                double v = (images.value(index, e) * scale - mean[mean.length == 1 ? 0 : ch]) / std[std.length == 1 ? 0 : ch];
                // stored HWC; channels-first output moves channel ch to plane ch
                int target = transpose ? ch * h * w + e / c : e;
                out[target] = (float) v;
            }
            return Sample.of(inputName, Tensor.ofFloats(sampleShape, out), labels == null ? null : labels[index]);
        }

        @Override
        public String name() {
            return images.file().getFileName().toString();
        }
    }

    /** The parameters, bound by the engine's one {@link org.pot4j.engine.config.ParamBinder} (a single number for mean/std is one value for every channel). */
    public record Options(@Required("a path to an IDX file") String images, String labels, double scale, double[] mean, double[] std, boolean channelsFirst,
                   String inputName) {
        static Options defaults() {
            return new Options(null, null, 1.0 / 255.0, new double[] {0.0}, new double[] {1.0}, true, "input");
        }

        public Options {
            if (mean == null || mean.length == 0 || std == null || std.length == 0) {
                throw new IllegalArgumentException("mean and std must be a number or a non-empty list of numbers");
            }
            if (inputName == null || inputName.isBlank()) {
                throw new IllegalArgumentException("input_name must name the model input, got '" + inputName + "'");
            }
        }
    }
}
