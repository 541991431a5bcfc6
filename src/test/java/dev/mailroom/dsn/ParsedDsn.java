package dev.mailroom.dsn;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Header;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;

/** A DSN parsed back with mime4j (the project's MIME library), independent of how it was written. */
final class ParsedDsn {

    final byte[] raw;
    final Message message;
    final List<Entity> parts;

    ParsedDsn(byte[] raw) throws IOException {
        this.raw = raw;
        DefaultMessageBuilder builder = builder();
        this.message = builder.parseMessage(new ByteArrayInputStream(raw));
        this.parts = ((Multipart) message.getBody()).getBodyParts();
    }

    static DefaultMessageBuilder builder() {
        DefaultMessageBuilder builder = new DefaultMessageBuilder();
        builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
        return builder;
    }

    String header(String name) {
        Field f = message.getHeader().getField(name);
        return f == null ? null : f.getBody();
    }

    ContentTypeField contentType() {
        return (ContentTypeField) message.getHeader().getField("Content-Type");
    }

    static String header(Entity entity, String name) {
        Field f = entity.getHeader().getField(name);
        return f == null ? null : f.getBody();
    }

    /** The decoded content of a single-body part. */
    byte[] content(int part) throws IOException {
        try (InputStream in = ((SingleBody) parts.get(part).getBody()).getInputStream()) {
            return in.readAllBytes();
        }
    }

    String text(int part) throws IOException {
        return new String(content(part), UTF_8);
    }

    /** Part 2 split into its blocks (per-message first, then one per recipient), each parsed as a header. */
    List<Header> statusBlocks() throws IOException {
        String body = text(1);
        List<Header> blocks = new ArrayList<>();
        for (String block : body.split("\r\n\r\n")) {
            if (!block.isBlank()) {
                blocks.add(builder().parseHeader(new ByteArrayInputStream((block + "\r\n\r\n").getBytes(UTF_8))));
            }
        }
        return blocks;
    }

    static String field(Header block, String name) {
        Field f = block.getField(name);
        return f == null ? null : f.getBody();
    }
}
