package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/** {@link OnnxTensorProtos#view} reads single elements exactly as {@link OnnxTensorProtos#floats} decodes them. */
class OnnxTensorProtosTest {
    @Test
    void viewReadsWhatFloatsDecodes() {
        Random r = new Random(3);
        float[] v = new float[6 * 7];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian() * (i % 5 == 0 ? 1e-30f : 10f);
        }
        TensorProto raw = OnnxTensorProtos.ofFloats("w", new long[] {6, 7}, v);
        TensorProto listed = TensorProto.newBuilder().setName("w").addDims(6).addDims(7)
                .setDataType(TensorProto.DataType.FLOAT_VALUE).addAllFloatData(java.util.stream.IntStream.range(0, v.length)
                        .mapToObj(i -> v[i]).toList()).build();
        for (TensorProto t : new TensorProto[] {raw, listed}) {
            float[] all = OnnxTensorProtos.floats(t);
            OnnxTensorProtos.FloatView view = OnnxTensorProtos.view(t);
            for (int i = 0; i < all.length; i++) {
                assertEquals(Float.floatToRawIntBits(all[i]), Float.floatToRawIntBits(view.get(i)), "element " + i);
                assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(view.get(i)), "element " + i);
            }
        }
    }
}
