package org.pot4j.backend.djl;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * DJL's PyTorch engine, started once per JVM: offline (nothing is downloaded at run time; libtorch
 * comes from the {@code pytorch-native-cpu} jar Maven resolved) and with its cache outside any
 * build folder.
 */
final class DjlRuntime {
    /** The libtorch version the pom pins; DJL's JNI layer is built for exactly this one. */
    static final String PYTORCH_VERSION = "2.7.1";
    static final String DJL_VERSION = "0.35.1";
    static final String NATIVE_ARTIFACT = "ai.djl.pytorch:pytorch-native-cpu:" + PYTORCH_VERSION + ":linux-x86_64";

    private static volatile Engine engine;

    private DjlRuntime() {
    }

    /**
     * Starts the engine (first call) and returns it.
     *
     * @throws Pot4jException {@code RUNTIME_FAILURE} naming the expected native library when it cannot load
     */
    static Engine engine() {
        Engine e = engine;
        if (e != null) {
            return e;
        }
        synchronized (DjlRuntime.class) {
            if (engine == null) {
                if (System.getProperty("ai.djl.offline") == null) {
                    System.setProperty("ai.djl.offline", "true");
                }
                if (System.getenv("DJL_CACHE_DIR") == null && System.getProperty("DJL_CACHE_DIR") == null) {
                    System.setProperty("DJL_CACHE_DIR", Path.of(System.getProperty("user.home"), ".djl.ai").toString());
                }
                Thread thread = Thread.currentThread();
                ClassLoader previous = thread.getContextClassLoader();
                // DJL finds its engines and native-library jars through the context class loader; when
                // pot4j loads this backend from plugins/ in its own class loader, that must be ours
                thread.setContextClassLoader(DjlRuntime.class.getClassLoader());
                try {
                    Engine loaded = Engine.getEngine("PyTorch");
                    String version = loaded.getVersion();
                    if (!version.startsWith(PYTORCH_VERSION)) {
                        throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "libtorch " + version
                                + " was loaded but backend-djl needs PyTorch " + PYTORCH_VERSION + " (" + NATIVE_ARTIFACT
                                + "); put exactly that jar on the classpath");
                    }
                    engine = loaded;
                } catch (Pot4jException ex) {
                    throw ex;
                } catch (RuntimeException | LinkageError ex) {
                    throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "cannot start libtorch for backend-djl: "
                            + firstLine(ex) + "; it needs the native library PyTorch " + PYTORCH_VERSION + " ("
                            + NATIVE_ARTIFACT + " with pytorch-jni " + PYTORCH_VERSION + "-" + DJL_VERSION
                            + ") on the classpath", ex);
                } finally {
                    thread.setContextClassLoader(previous);
                }
            }
            return engine;
        }
    }

    /**
     * Sets libtorch's intra-op thread count (process-wide, as libtorch has one pool); {@code n <= 0}
     * leaves libtorch's default (all cores).
     */
    static void setThreads(int n) {
        engine();
        if (n > 0 && ai.djl.pytorch.jni.JniUtils.getNumThreads() != n) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(n);
        }
    }

    /** Loads a TorchScript archive held in memory. */
    static PtModel load(byte[] archive, String displayName) {
        engine();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(DjlRuntime.class.getClassLoader());
        PtModel model = null;
        try {
            model = (PtModel) ai.djl.Model.newInstance(displayName, Device.cpu(), "PyTorch");
            model.load(new ByteArrayInputStream(archive), Map.of());
            return model;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            if (model != null) {
                model.close();
            }
            throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "libtorch cannot load " + displayName + ": "
                    + firstLine(e), e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    static String firstLine(Throwable t) {
        String m = t.getMessage();
        if (m == null) {
            return t.getClass().getSimpleName();
        }
        m = m.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
