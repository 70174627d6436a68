package io.usageanalytics.assembly;

import java.util.Objects;

/**
 * One fragment of a stream's generated text, kept until the stream completes in case it has no
 * usage chunk and its tokens must be estimated. Fragments of one part are concatenated in order.
 */
public class TextPiece {

    /** {@link #part} value for message content; tool calls use their index, -1 a function call. */
    public static final int CONTENT = -2;

    public int choice;
    public int part;
    public String text;

    public TextPiece() {}

    public TextPiece(int choice, int part, String text) {
        this.choice = choice;
        this.part = part;
        this.text = text;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TextPiece)) {
            return false;
        }
        TextPiece that = (TextPiece) o;
        return choice == that.choice && part == that.part && Objects.equals(text, that.text);
    }

    @Override
    public int hashCode() {
        return Objects.hash(choice, part, text);
    }

    @Override
    public String toString() {
        return "TextPiece{" + choice + "/" + part + ": " + text + "}";
    }
}
