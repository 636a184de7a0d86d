package org.pot4j.backend.djl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Enumeration;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * The records of a TorchScript zip archive ({@code <folder>/data.pkl}, {@code code/...},
 * {@code data/<key>} storages...), held in memory by their name inside the top folder. Copies are
 * cheap to change: {@link #copy()} shares the record bytes until a record is replaced.
 */
final class TorchScriptArchive {
    private final String folder;
    private final Map<String, byte[]> records;

    private TorchScriptArchive(String folder, Map<String, byte[]> records) {
        this.folder = folder;
        this.records = records;
    }

    /**
     * Reads every record of a zip archive.
     *
     * @throws Pot4jException {@code MODEL_CORRUPT} when it is not a readable zip
     */
    static TorchScriptArchive read(Path file) {
        String displayName = file.getFileName().toString();
        Map<String, byte[]> records = new LinkedHashMap<>();
        String folder = null;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements();) {
                ZipEntry e = en.nextElement();
                String name = e.getName();
                int slash = name.indexOf('/');
                if (slash < 0 || e.isDirectory()) {
                    continue;
                }
                if (folder == null) {
                    folder = name.substring(0, slash);
                }
                try (InputStream in = zip.getInputStream(e)) {
                    records.put(name.substring(slash + 1), in.readAllBytes());
                }
            }
        } catch (NoSuchFileException e) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, file + " does not exist; check the model path", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, displayName + " is not a readable zip archive ("
                    + e.getMessage() + "); save the model with torch.jit.save", e);
        }
        if (folder == null) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, displayName
                    + " is not a PyTorch zip archive (no records); save the model with torch.jit.save");
        }
        return new TorchScriptArchive(folder, records);
    }

    /** True when {@code file} starts with the zip signature. */
    static boolean isZip(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] sig = in.readNBytes(4);
            return sig.length == 4 && sig[0] == 'P' && sig[1] == 'K' && sig[2] == 3 && sig[3] == 4;
        } catch (IOException e) {
            return false;
        }
    }

    /** A copy whose records can be replaced without touching this archive. */
    TorchScriptArchive copy() {
        return new TorchScriptArchive(folder, new LinkedHashMap<>(records));
    }

    /** The top folder name that prefixes every record. */
    String folder() {
        return folder;
    }

    boolean has(String record) {
        return records.containsKey(record);
    }

    /** Record bytes (shared: do not modify), or null. */
    byte[] get(String record) {
        return records.get(record);
    }

    String text(String record) {
        byte[] b = records.get(record);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    void put(String record, byte[] bytes) {
        records.put(record, bytes);
    }

    void putText(String record, String text) {
        records.put(record, text.getBytes(StandardCharsets.UTF_8));
    }

    void remove(String record) {
        records.remove(record);
    }

    Iterable<String> names() {
        return records.keySet();
    }

    /** A storage key not used yet under {@code data/}. */
    String newStorageKey() {
        int k = 0;
        while (records.containsKey("data/" + k)) {
            k++;
        }
        return Integer.toString(k);
    }

    /** The archive as zip bytes (records stored uncompressed, as torch writes them). */
    byte[] toZip() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.setMethod(ZipOutputStream.STORED);
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                ZipEntry e = new ZipEntry(folder + "/" + r.getKey());
                byte[] data = r.getValue();
                CRC32 crc = new CRC32();
                crc.update(data);
                e.setSize(data.length);
                e.setCompressedSize(data.length);
                e.setCrc(crc.getValue());
                e.setTime(315532800000L); // fixed date: the same plan gives the same bytes
                out.putNextEntry(e);
                out.write(data);
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.INTERNAL, "cannot build archive: " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }
}
