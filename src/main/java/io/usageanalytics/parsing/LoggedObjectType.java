package io.usageanalytics.parsing;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

import java.lang.reflect.Type;
import java.util.Map;

/** Flink's type for {@link LoggedObject}: written by {@link LoggedObjectSerializer}, not as a POJO. */
public final class LoggedObjectType extends TypeInformation<LoggedObject> {

    private static final long serialVersionUID = 1L;

    /** Named on {@link LoggedObject} with {@code @TypeInfo}, so the type extractor finds it everywhere. */
    public static final class Factory extends TypeInfoFactory<LoggedObject> {
        @Override
        public TypeInformation<LoggedObject> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new LoggedObjectType();
        }
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<LoggedObject> getTypeClass() {
        return LoggedObject.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<LoggedObject> createSerializer(SerializerConfig config) {
        return LoggedObjectSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "LoggedObject";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LoggedObjectType;
    }

    @Override
    public int hashCode() {
        return LoggedObjectType.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof LoggedObjectType;
    }
}
