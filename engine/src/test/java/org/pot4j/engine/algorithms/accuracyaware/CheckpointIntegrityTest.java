package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.quant.QuantizationResult;

/** Issue 12: a checkpoint carries its own checksum and must name only nodes the model has. */
class CheckpointIntegrityTest {
    @TempDir
    Path tmp;

    @Test
    void anEditedCheckpointIsIgnoredAndOneNamingUnknownNodesToo() throws Exception {
        AaFixture f = new AaFixture();
        AaFixture.run(f.model, f.context(tmp).param("max_iter_num", 1));
        Path file = tmp.resolve(AccuracyAwareQuantization.CHECKPOINT_FILE);
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(file.toFile());
        String fingerprint = root.path("fingerprint").asText();
        Set<String> ids = new HashSet<>();
        f.model.quantizableNodes().forEach(n -> ids.add(n.id()));
        Checkpoint checkpoint = new Checkpoint(file);
        SearchState intact = checkpoint.load(fingerprint, ids);
        assertNotNull(intact, "an untouched checkpoint loads");

        // a hand edit (iteration count) without a matching checksum
        ((ObjectNode) root.get("state")).put("iteration", 0);
        Files.write(file, json.writeValueAsBytes(root));
        assertNull(checkpoint.load(fingerprint, ids));
        QuantizationResult r = AaFixture.run(f.model, f.context(tmp).param("resume", true));
        assertEquals(Boolean.FALSE, r.report().get("resumed"), "the edited checkpoint was not resumed");

        // a well-formed checkpoint whose queue names a node this model does not have
        SearchState st = checkpoint.load(fingerprint, ids);
        assertNotNull(st);
        st.queue.add("ghost_node");
        checkpoint.save(fingerprint, st);
        assertNotNull(checkpoint.load(fingerprint, null), "its checksum is valid");
        assertNull(checkpoint.load(fingerprint, ids), "but it names ghost_node");
    }
}
